import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the proof suite's figures go (outside the workspace); docs/security.md cites them. */
const FIGURES_DIR = join(tmpdir(), 'enclave-proof-figures');

/** Writes a figures file `<FIGURES_DIR>/<file>.json`, stamped with the time of the run. */
export function recordFigures(file: string, figures: object): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(
    join(FIGURES_DIR, `${file}.json`),
    `${JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2)}\n`,
  );
}

/** Writes one section of a figures file, keeping the sections other spec files wrote: several specs prove one promise. */
export function recordFigureSection(file: string, section: string, figures: Record<string, unknown>): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const path = join(FIGURES_DIR, `${file}.json`);
  const sections = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
  sections[section] = { ...figures, at: new Date().toISOString() };
  writeFileSync(path, `${JSON.stringify(sections, null, 2)}\n`);
}
