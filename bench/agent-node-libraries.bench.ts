/**
 * What each library the agent node loads costs in resident memory, measured the way the node
 * ships: a probe script bundled by esbuild with the node's bundle options, run with plain
 * `node` and the recommended V8 flags, RSS read 2 s after it did its work. The baseline is an
 * empty script run in the same session. It also measures the choices made for the node:
 * classic zod against zod/mini, and grammY on Node's fetch (undici) against its own node:http
 * transport. The model SDKs (official, on Node's fetch) are what a node adds once it replied.
 *
 *   node -r @swc-node/register bench/agent-node-libraries.bench.ts [--runs 3] [--no-write]
 *
 * Writes the "Agent node: memory per library" section of docs/BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { nodeBundleOptions, RECOMMENDED_NODE_FLAGS } from '../agent-node/build/bundle';
import { removeDir, tempDir } from '../agent-node/src/testing/node-harness';
import { writeBenchmarkSection } from './report';

const ROOT = join(__dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const write = !process.argv.includes('--no-write');

/** Every probe ends by printing its RSS once the work is done and the heap has settled. */
const REPORT_RSS = `setTimeout(() => { console.log(process.memoryUsage.rss() / 1048576); process.exit(0); }, 2000);`;
/** A local stand-in for the Bot API, so the probes exercise a real request and response. */
const WITH_BOT_API = (body: string) => `
  const http = require('node:http');
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true,"result":true}'); }); });
  server.listen(0, '127.0.0.1', async () => { const apiRoot = 'http://127.0.0.1:' + server.address().port; ${body} ${REPORT_RSS} });`;
const SCHEMA_CLASSIC = `import { z } from 'zod';
  const s = z.strictObject({ id: z.string().regex(/^[a-z]+$/), port: z.number().int().min(0).max(65535).default(80), url: z.url().optional(), kind: z.enum(['a', 'b']) });
  s.parse({ id: 'abc', kind: 'a' });`;
const SCHEMA_MINI = `import * as z from 'zod/mini';
  const s = z.strictObject({ id: z.string().check(z.regex(/^[a-z]+$/)), port: z._default(z.int().check(z.gte(0), z.lte(65535)), 80), url: z.optional(z.url()), kind: z.enum(['a', 'b']) });
  s.parse({ id: 'abc', kind: 'a' });`;

interface Probe {
  readonly name: string;
  readonly source: string;
}
const PROBES: readonly Probe[] = [
  { name: 'empty script (baseline)', source: REPORT_RSS },
  { name: 'classic `zod`, one schema parsed', source: `${SCHEMA_CLASSIC}\n${REPORT_RSS}` },
  { name: '`zod/mini`, the same schema (what the node uses)', source: `${SCHEMA_MINI}\n${REPORT_RSS}` },
  {
    name: "`node:http` server and one request (the node's own HTTP)",
    source: WITH_BOT_API(`await new Promise((r) => http.get(apiRoot, (res) => { res.resume(); res.on('end', r); }));`),
  },
  {
    name: "the same + Node's global `fetch` (undici) for that request",
    source: WITH_BOT_API(`await (await fetch(apiRoot)).json();`),
  },
  {
    name: "grammY `setWebhook` on Node's `fetch`",
    source: WITH_BOT_API(
      `const { Bot } = require('grammy'); await new Bot('1:x', { client: { apiRoot, fetch: globalThis.fetch } }).api.setWebhook('https://node.example/tg');`,
    ),
  },
  {
    name: 'grammY `setWebhook` on its own transport (what the node uses)',
    source: WITH_BOT_API(
      `const { Bot } = require('grammy'); await new Bot('1:x', { client: { apiRoot } }).api.setWebhook('https://node.example/tg');`,
    ),
  },
  {
    name: '`better-sqlite3`, a WAL database opened and written',
    source: `const Database = require('better-sqlite3'); const db = new Database(require('node:path').join(__dirname, 'probe.sqlite'), { nativeBinding: ${JSON.stringify(join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))} });
      db.pragma('journal_mode = WAL'); db.exec('create table if not exists t (x text)'); db.prepare('insert into t values (?)').run('x');\n${REPORT_RSS}`,
  },
  {
    name: 'OpenAI SDK, one chat completion (loaded on the first reply)',
    source: WITH_BOT_API(
      `const OpenAI = require('openai').default; await new OpenAI({ apiKey: 'sk-probe', baseURL: apiRoot }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });`,
    ),
  },
  {
    name: 'Anthropic SDK, one message (loaded on the first reply)',
    source: WITH_BOT_API(
      `const Anthropic = require('@anthropic-ai/sdk').default; await new Anthropic({ apiKey: 'sk-probe', baseURL: apiRoot }).messages.create({ model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });`,
    ),
  },
  {
    name: '`pino` logger, one line',
    source: `const pino = require('pino'); pino({ level: 'info' }, pino.destination('/dev/null')).info({ n: 1 }, 'x');\n${REPORT_RSS}`,
  },
];

async function bundleProbe(dir: string, probe: Probe, i: number): Promise<string> {
  const outfile = join(dir, `probe-${i}.js`);
  await build({
    ...nodeBundleOptions(ROOT),
    stdin: { contents: probe.source, resolveDir: ROOT, loader: 'ts' },
    outfile,
  });
  return outfile;
}

function runProbe(file: string): number {
  const result = spawnSync(process.execPath, [...RECOMMENDED_NODE_FLAGS, file], {
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: '' },
  });
  const mb = Number(result.stdout.trim().split('\n').pop());
  if (result.status !== 0 || !Number.isFinite(mb)) throw new Error(`probe ${file} failed: ${result.stderr}`);
  return mb;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = tempDir('enclave-probes-');
  try {
    const rows: { name: string; mb: number }[] = [];
    for (const [i, probe] of PROBES.entries()) {
      const file = await bundleProbe(dir, probe, i);
      const samples = Array.from({ length: runs }, () => runProbe(file));
      rows.push({ name: probe.name, mb: median(samples) });
      console.log(`${probe.name}: ${samples.map((s) => s.toFixed(1)).join(' / ')} MB`);
    }
    const baseline = rows[0].mb;
    const table = [
      `Measured ${new Date().toISOString().slice(0, 10)} by \`bench/agent-node-libraries.bench.ts\` (median of ${runs} runs, Node ${process.version}, flags \`${RECOMMENDED_NODE_FLAGS.join(' ')}\`). Each probe is bundled like the node (esbuild, minified) and run alone; RSS 2 s after its work. Baseline: an empty script, same session.`,
      '',
      '| probe | RSS | over the baseline | ratio |',
      '|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.mb.toFixed(1)} MB | ${r === rows[0] ? '—' : `+${(r.mb - baseline).toFixed(1)} MB`} | ${(r.mb / baseline).toFixed(2)}× |`,
      ),
      '',
      'Reproduce: `node -r @swc-node/register bench/agent-node-libraries.bench.ts`',
    ].join('\n');
    console.log(`\n${table}`);
    if (write) writeBenchmarkSection('Agent node: memory per library', table);
  } finally {
    removeDir(dir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
