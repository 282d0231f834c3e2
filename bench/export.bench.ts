/**
 * Conversation export on the node at 100k and 1M messages: time against the floor (`gzip -1`
 * of the same NDJSON, same run) and peak RSS of the exporting process, whose growth from 100k
 * to 1M shows whether the export streams.
 *
 *   node -r @swc-node/register bench/export.bench.ts [--sizes 100000,1000000] [--no-write]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { databaseFile, openDatabase } from '../agent-node/src/storage/database';
import { removeDir, tempDir } from '../agent-node/src/testing/node-harness';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const SIZES = (flagValue('--sizes') ?? '100000,1000000').split(',').map(Number);
const PER_CONVERSATION = 50;
/** 2,000 made-up words of 2–9 letters (a fixed pseudo-random sequence), so texts compress like prose, not like a loop. */
const WORDS = (() => {
  let x = 2463534242;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
  return Array.from({ length: 2000 }, () =>
    Array.from(
      { length: 2 + Math.floor(next() * 8) },
      () => 'etaoinshrdlcumwfgypbvkjxqz'[Math.floor(next() ** 2 * 26)],
    ).join(''),
  );
})();

/** A node database with `messages` messages, 50 per conversation, texts of 5–40 words. */
function seed(dataDir: string, messages: number): string {
  mkdirSync(dataDir, { recursive: true });
  const file = databaseFile(dataDir);
  const db = openDatabase(file);
  db.pragma('synchronous = OFF');
  db.prepare(
    `INSERT INTO channels (id, type, agent_id, enabled, settings) VALUES ('ch1', 'telegram', 'a1', 1, '{}')`,
  ).run();
  const conversation = db.prepare(
    `INSERT INTO conversations (id, channel_id, external_chat_id, created_at, last_message_at) VALUES (?, 'ch1', ?, ?, ?)`,
  );
  const message = db.prepare(
    `INSERT INTO messages (conversation_id, direction, kind, text, delivery_status, created_at) VALUES (?, ?, 'text', ?, ?, ?)`,
  );
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  db.transaction(() => {
    for (let i = 0; i < messages; i += 1) {
      const c = Math.floor(i / PER_CONVERSATION);
      const id = `c${String(c).padStart(7, '0')}`;
      if (i % PER_CONVERSATION === 0) conversation.run(id, String(100000 + c), t0 + c, t0 + c);
      const words = 5 + ((i * 7919) % 36);
      const text = Array.from(
        { length: words },
        (_, w) => WORDS[(i * 131 + w * 7919 + ((i * w) % 97)) % WORDS.length],
      ).join(' ');
      message.run(id, i % 2 ? 'out' : 'in', text, i % 2 ? 'delivered' : null, t0 + i * 1000);
    }
  })();
  db.close();
  return file;
}

interface Run {
  messages: number;
  ms: number;
  maxRssMb: number;
  baseRssMb: number;
  bytes: number;
  floorMs: number;
  ndjsonBytes: number;
}

function measure(size: number): Run {
  const dir = tempDir('enclave-export-bench-');
  try {
    const dbFile = seed(join(dir, 'data'), size);
    const exportsDir = join(dir, 'exports');
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '-r', '@swc-node/register', join(__dirname, 'export-run.ts'), dbFile, exportsDir],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(`export failed: ${child.stderr}`);
    const result = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Omit<Run, 'floorMs' | 'ndjsonBytes'> & {
      exportId: string;
    };
    // The floor: gzip -1 of exactly the NDJSON the archive holds.
    const archive = join(exportsDir, result.exportId, readdirSync(join(exportsDir, result.exportId))[0]);
    const ndjson = join(dir, 'all.ndjson');
    execFileSync('sh', ['-c', `tar -xzOf '${archive}' > '${ndjson}'`]);
    const started = process.hrtime.bigint();
    execFileSync('sh', ['-c', `gzip -1 -c '${ndjson}' > /dev/null`]);
    const floorMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { ...result, messages: size, floorMs, ndjsonBytes: statSync(ndjson).size };
  } finally {
    removeDir(dir);
  }
}

function main(): void {
  const runs = SIZES.map((size) => {
    const run = measure(size);
    console.log(
      `${size} messages: export ${run.ms.toFixed(0)} ms, gzip -1 floor ${run.floorMs.toFixed(0)} ms (ratio ${(run.floorMs / run.ms).toFixed(2)}), peak RSS ${run.maxRssMb.toFixed(1)} MB (base ${run.baseRssMb.toFixed(1)} MB), ${(run.bytes / 1048576).toFixed(1)} MB archive`,
    );
    return run;
  });
  const small = runs.find((r) => r.messages === 100_000);
  const large = runs.find((r) => r.messages === 1_000_000);
  const growth = small && large ? large.maxRssMb - small.maxRssMb : undefined;
  const lines = [
    `${benchContext()} The export service (agent-node/src/exports/) builds the archive of a node database in its own process; the floor is \`gzip -1\` of exactly the NDJSON the archive holds, timed in the same run. 50 messages per conversation, 5–40 words each.`,
    '',
    'Targets: throughput ≥ 0.5× the floor; peak RSS grows ≤ 20 MB from 100k to 1M messages.',
    '',
    '| messages | export | floor (`gzip -1` of the NDJSON) | ratio (floor / export) | target | peak RSS | archive | NDJSON |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.messages.toLocaleString('en')} | ${(r.ms / 1000).toFixed(2)} s | ${(r.floorMs / 1000).toFixed(2)} s | ${(r.floorMs / r.ms).toFixed(2)}× | ${r.floorMs / r.ms >= 0.5 ? 'met' : '**not met**'} | ${r.maxRssMb.toFixed(1)} MB | ${(r.bytes / 1048576).toFixed(1)} MB | ${(r.ndjsonBytes / 1048576).toFixed(1)} MB |`,
    ),
    '',
    growth === undefined
      ? 'Peak RSS growth 100k → 1M: not measured in this run (both sizes needed).'
      : `Peak RSS growth 100k → 1M: ${growth.toFixed(1)} MB (target ≤ 20 MB: ${growth <= 20 ? 'met' : '**not met**'}); the process starts at ${small?.baseRssMb.toFixed(1)} MB (sources transpiled at start).`,
    '',
    'Reproduce: `npm run bench -- export` (`--sizes 100000` for one size).',
  ];
  console.log(lines.join('\n'));
  writeBenchmarkSection('Conversation export', lines.join('\n'));
}

main();
