import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes one section of a figures file in `<tmpdir>/enclave-proof-figures/` (outside the
 * workspace), keeping the sections other spec files wrote: several specs prove one promise.
 */
export function recordFigureSection(file: string, section: string, figures: Record<string, unknown>): void {
  const dir = join(tmpdir(), 'enclave-proof-figures');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${file}.json`);
  const sections = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
  sections[section] = { ...figures, at: new Date().toISOString() };
  writeFileSync(path, `${JSON.stringify(sections, null, 2)}\n`);
}
