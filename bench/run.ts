/**
 * Runs the benchmarks: every `bench/*.bench.ts`, one at a time, each in its own process (so
 * one benchmark's heap, handles or databases never colour the next one's figures).
 *
 *   npm run bench                       every benchmark, default sizes
 *   npm run bench -- audit-log export   only these (file names without `.bench.ts`)
 *   npm run bench -- --no-write         flags are passed to every benchmark
 *   npm run bench -- --list             the benchmarks found, nothing run
 *
 * Each benchmark measures its own floor in the same run and writes its section of
 * docs/BENCHMARKS.md (unless `--no-write`). Bigger sizes are opt-in flags of the benchmark
 * itself (e.g. `npm run bench -- audit-log --rows 10000000`).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const BENCH_DIR = __dirname;
const SUFFIX = '.bench.ts';

interface Outcome {
  readonly name: string;
  readonly seconds: number;
  readonly code: number | null;
}

export function discover(dir = BENCH_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length))
    .sort();
}

/** Splits argv into benchmark names and the flags passed through to each (a flag's value follows it). */
export function parseArgs(argv: readonly string[], known: readonly string[]): { names: string[]; flags: string[] } {
  const names: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      flags.push(arg);
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--') && !known.includes(next)) flags.push(argv[(i += 1)]);
    } else {
      names.push(arg.endsWith(SUFFIX) ? arg.slice(0, -SUFFIX.length) : arg);
    }
  }
  return { names, flags };
}

function runOne(name: string, flags: readonly string[]): Promise<Outcome> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(BENCH_DIR, `${name}${SUFFIX}`), ...flags], {
      cwd: join(BENCH_DIR, '..'),
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve({ name, code, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

async function main(): Promise<void> {
  const known = discover();
  const { names, flags } = parseArgs(process.argv.slice(2), known);
  if (flags.includes('--list')) {
    console.log(known.join('\n'));
    return;
  }
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; found: ${known.join(', ')}`);
    process.exit(2);
  }
  const selected = names.length > 0 ? names : known;
  const outcomes: Outcome[] = [];
  for (const name of selected) {
    console.log(`\n=== ${name} ===`);
    outcomes.push(await runOne(name, flags));
  }
  const rows = outcomes.map(
    (o) => `| ${o.name} | ${o.code === 0 ? 'ok' : `failed (exit ${o.code})`} | ${o.seconds.toFixed(1)} s |`,
  );
  console.log(['', '| benchmark | result | time |', '|---|---|---|', ...rows].join('\n'));
  const total = outcomes.reduce((sum, o) => sum + o.seconds, 0);
  console.log(`\n${outcomes.length} benchmark(s) in ${(total / 60).toFixed(1)} min; figures in docs/BENCHMARKS.md`);
  if (outcomes.some((o) => o.code !== 0)) process.exit(1);
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
