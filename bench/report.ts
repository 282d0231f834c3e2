import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = join(__dirname, '..', 'docs', 'BENCHMARKS.md');
const HEADER = `# Benchmarks

Figures measured on a machine of ours (2 cores), each as a ratio against a baseline run in
the same process or session. Each section says how to reproduce it; \`bench/\` holds the scripts.
`;

/** Replaces (or appends) one "## <title>" section of docs/BENCHMARKS.md, leaving the others alone. */
export function writeBenchmarkSection(title: string, body: string): void {
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : HEADER;
  const sections = current.split(/^## /m);
  const head = sections.shift() ?? HEADER;
  const kept = sections.filter((section) => !section.startsWith(`${title}\n`));
  kept.push(`${title}\n\n${body.trim()}\n\n`);
  writeFileSync(FILE, `${head.trimEnd()}\n\n${kept.map((section) => `## ${section.trimEnd()}\n`).join('\n')}`);
}
