import * as z from 'zod/mini';

/** Longest message a person may send in one go: Telegram's limit, the tightest of our channels. */
export const MAX_MESSAGE_TEXT = 4096;

/** Tab, line feed and carriage return: the control characters a multi-line text may hold. */
const isLineControl = (code: number) => code === 0x09 || code === 0x0a || code === 0x0d;
const isControl = (code: number) => code < 0x20 || code === 0x7f;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The one character rule for text people write, here and in the control plane (`humanText` in
 * libs/platform): well-formed UTF-16 (a lone surrogate has no UTF-8 form, so PostgreSQL and the
 * channels cannot take it) and no control character (NUL and DEL included); `multiline` text may
 * hold tab and line breaks.
 */
export function isCleanText(value: string, { multiline }: { multiline: boolean }): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((isControl(code) && !(multiline && isLineControl(code))) || isLowSurrogate(code)) return false;
    if (isHighSurrogate(code)) {
      if (!isLowSurrogate(value.charCodeAt(i + 1))) return false;
      i++;
    }
  }
  return true;
}

/**
 * The one schema for text a person writes (replies, notes, saved replies): not blank, within
 * the channel limit, well-formed Unicode, no control characters but tab and line breaks.
 */
export function userText(max: number = MAX_MESSAGE_TEXT) {
  return z.string().check(
    z.refine((value) => value.trim().length > 0, 'must not be blank'),
    z.maxLength(max),
    z.refine(
      (value) => isCleanText(value, { multiline: true }),
      'must be well-formed Unicode without control characters',
    ),
  );
}
