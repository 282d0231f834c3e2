import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Needles for the suite-wide at-rest scan (scripts/at-rest-scan.ts): every raw secret and every
 * piece of conversation content the tests hand to the system, recorded where they enter it (the
 * stand-ins and the helpers that mint secrets). The control plane's databases and Redis prefixes
 * must hold none of them. Lives in the sandbox because every test scope may import it.
 *
 * Recorded only when scripts/test.sh sets ENCLAVE_AT_REST_DIR: one spec run by hand records nothing.
 * Jest workers are separate processes, hence one appended JSON line per needle.
 */
export type NeedleKind = 'secret' | 'content';

export interface Needle {
  kind: NeedleKind;
  value: string;
}

/**
 * Shorter values are skipped: a test's "hello" or a 4-digit code would match schema text, enum
 * names or ids by chance. Secrets are longer than this, and so are the tests' message texts that
 * carry a random part.
 */
export const MIN_NEEDLE_LENGTH = 16;
/**
 * Repetitive values are skipped too: 'x'.repeat(5000) as a message (a length limit test) matches
 * 'x'.repeat(8000) as agent instructions (configuration the control plane keeps) without any leak.
 */
export const MIN_DISTINCT_CHARACTERS = 8;

const NEEDLES_FILE = 'needles.jsonl';

export function recordNeedle(kind: NeedleKind, value: string | undefined): void {
  const dir = process.env.ENCLAVE_AT_REST_DIR;
  if (!dir || !value || value.length < MIN_NEEDLE_LENGTH || new Set(value).size < MIN_DISTINCT_CHARACTERS) return;
  appendFileSync(join(dir, NEEDLES_FILE), `${JSON.stringify({ kind, value } satisfies Needle)}\n`);
}

/** Every needle recorded in a run directory, each value once. */
export function readNeedles(dir: string): Needle[] {
  const file = join(dir, NEEDLES_FILE);
  if (!existsSync(file)) return [];
  const byValue = new Map<string, Needle>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const needle = JSON.parse(line) as Needle;
    byValue.set(needle.value, needle);
  }
  return [...byValue.values()];
}
