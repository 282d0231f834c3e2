import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const FILE = join(__dirname, '..', 'docs', 'BENCHMARKS.md');
const HEADER = `# Benchmarks

Figures measured on a machine of ours (2 cores), each as a ratio against a baseline run in
the same process or session. Each section says how to reproduce it; \`bench/\` holds the scripts.
`;

/** Replaces (or appends) one "## <title>" section of docs/BENCHMARKS.md, leaving the others alone; `--no-write` skips it. */
export function writeBenchmarkSection(title: string, body: string): void {
  if (process.argv.includes('--no-write')) return;
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : HEADER;
  const sections = current.split(/^## /m);
  const head = sections.shift() ?? HEADER;
  const kept = sections.filter((section) => !section.startsWith(`${title}\n`));
  kept.push(`${title}\n\n${body.trim()}\n\n`);
  writeFileSync(FILE, `${head.trimEnd()}\n\n${kept.map((section) => `## ${section.trimEnd()}\n`).join('\n')}`);
}

/** The value after `flag` on the command line (`--rows 1000000`), if given. */
export function flagValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** "Measured <date> at <commit> on <n> cores, Node <version>." for a section's first line. */
export function benchContext(): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the commit stays unknown
  }
  const shared = process.env.BENCH_SHARED_MACHINE
    ? ' (shared with other work while measured: absolute figures are noisy, ratios hold better)'
    : '';
  return `Measured ${new Date().toISOString().slice(0, 10)} at commit ${commit}, ${cpus().length} cores${shared}, Node ${process.version}.`;
}
