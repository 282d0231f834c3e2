import { isCleanText } from '@enclave/node-protocol';
import { z } from 'zod';

export interface HumanTextOptions {
  /** Longest value accepted, in UTF-16 code units, counted after normalisation. */
  max: number;
  /** Shortest value accepted (after trimming a single-line value); 1 unless given. */
  min?: number;
  /** Tab and line breaks allowed (and the value kept as written, not trimmed): instructions, notes. */
  multiline?: boolean;
}

/**
 * The one schema for a DTO string field holding text a person wrote (names, instructions): the
 * character rule the node applies to messages (`isCleanText` in @enclave/node-protocol: no
 * control characters such as NUL, no lone surrogates — neither can be stored in PostgreSQL or
 * sent), then NFC normalisation (so "e\u0301" is stored as "é"), trimming of single-line text,
 * and the length bounds. A refusal is a 400 `validation_failed` naming the field.
 */
export function humanText({ max, min = 1, multiline = false }: HumanTextOptions) {
  const clean = z
    .string()
    .refine(
      (value) => isCleanText(value, { multiline }),
      multiline
        ? 'must be well-formed Unicode without control characters other than tab and line breaks'
        : 'must be well-formed Unicode on one line, without control characters',
    )
    .normalize('NFC');
  const shaped = multiline ? clean : clean.trim();
  return (min > 0 ? shaped.min(min) : shaped).max(max);
}

/**
 * `value` as `humanText` accepts it (normalised), or null when it would be refused: for text that
 * comes from elsewhere, such as the name on an OAuth profile, which must not fail a sign-in.
 */
export function humanTextOrNull(value: string | null | undefined, options: HumanTextOptions): string | null {
  const parsed = humanText(options).safeParse(value);
  return parsed.success ? parsed.data : null;
}
