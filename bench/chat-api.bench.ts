/**
 * The node's OpenAI-compatible chat API: requests/s and latency of POST /v1/chat/completions
 * (plain and streamed), against a bare proxy measured in the same run — node:http forwarding the
 * caller's body to the same OpenAI stand-in with the provider key swapped in, nothing else — and
 * the stand-in called directly (the floor). Added latency = node − bare proxy.
 *
 * Everything runs in this one process (load generator, stand-in, proxy, node), so the node and the
 * proxy compete for the same CPU in the same way. Requests take the next of KEYS keys in turn: a
 * key's limit is at most 6,000 requests a minute (a bucket of 600 refilled at 100/s), which one
 * client alone outruns within seconds; history is off (nothing stored: the API's common case).
 *
 *   node -r @swc-node/register bench/chat-api.bench.ts [--seconds 4] [--levels 1,16] [--no-write]
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { configureChatApi, newChatApiKey, type TestApiKey } from '../agent-node/src/chat-api/chat-api-fixture';
import { startNodeFixture } from '../agent-node/src/testing/node-fixture';
import { OPENAI_TEST_KEY } from '../agent-node/src/testing/node-harness';
import { percentile } from './agent-node-load';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const SECONDS = Number(flagValue('--seconds') ?? 4);
const LEVELS = (flagValue('--levels') ?? '1,16').split(',').map(Number);
const TARGET_MS = 5;
const KEYS = 48; // the node config takes at most 50 channels
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs and reads the whole answer (a stream to its end); resolves with the status. */
function post(url: string, body: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${key}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The least a proxy does: forward the body with the provider key, stream the answer back. */
async function bareProxy(upstream: string): Promise<{ url: string; close: () => void }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const out = request(
        `${upstream}/chat/completions`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            authorization: `Bearer ${OPENAI_TEST_KEY}`,
          },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p95: number;
}

/** Closed loop: `concurrency` clients, each sending its next request once answered. */
async function closed(concurrency: number, once: (user: number, n: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  let n = 0;
  const run = async (ms: number, record: boolean) => {
    const deadline = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, user) => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          await once(user, (n += 1));
          if (record) latencies.push(performance.now() - t0);
        }
      }),
    );
  };
  await run(500, false);
  const started = performance.now();
  await run(SECONDS * 1000, true);
  const seconds = (performance.now() - started) / 1000;
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

function load(url: string, keys: string[], concurrency: number, body: (n: number) => string): Promise<Run> {
  return closed(concurrency, async (_user, n) => {
    const status = await post(url, body(n), keys[n % keys.length]);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
  });
}

/** The official SDK calling the stand-in directly: what the node itself does for each request. */
function loadSdk(baseURL: string, concurrency: number, stream: boolean): Promise<Run> {
  const client = new OpenAI({ apiKey: OPENAI_TEST_KEY, baseURL, maxRetries: 0 });
  return closed(concurrency, async (_user, n) => {
    const messages = [{ role: 'user' as const, content: `question ${n}: when does my order arrive?` }];
    if (!stream) await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    else for await (const _chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream })); // drain
  });
}

async function main(): Promise<void> {
  const f = await startNodeFixture({ chatApi: { ipRequestsPerMinute: 100_000 }, logLevel: 'warn' });
  const keys: TestApiKey[] = Array.from({ length: KEYS }, (_, i) => ({
    id: `bench-key-${i}`,
    agentId: 'agent-openai',
    key: newChatApiKey(),
    api: { history: false, limits: { requestsPerMinute: 6000 } },
  }));
  await configureChatApi(f, keys, 1);
  const standIn = `${f.sandbox.url}/openai/v1`;
  const proxy = await bareProxy(standIn);
  await f.sandboxJson('POST', '/openai/_test/faults', { chunkDelayMs: 0 });
  const rows: string[] = [];
  let addedP50 = Number.NaN; // plain, 1 concurrent: the target's figure
  try {
    for (const stream of [false, true]) {
      const body = (model: string) => (n: number) =>
        JSON.stringify({
          model,
          stream,
          messages: [{ role: 'user', content: `question ${n}: when does my order arrive?` }],
        });
      for (const c of LEVELS) {
        const floor = await load(`${standIn}/chat/completions`, [OPENAI_TEST_KEY], c, body('gpt-4o-mini'));
        const bare = await load(`${proxy.url}/chat/completions`, ['unused'], c, body('gpt-4o-mini'));
        const sdk = await loadSdk(standIn, c, stream);
        const node = await load(
          `${f.nodeUrl}/v1/chat/completions`,
          keys.map((k) => k.key),
          c,
          body('agent-openai'),
        );
        const label = `${stream ? 'streamed' : 'plain'}, ${c} concurrent`;
        if (!stream && c === 1) addedP50 = node.p50 - bare.p50;
        rows.push(
          `| ${label} | ${floor.rps.toFixed(0)} | ${bare.rps.toFixed(0)} | ${sdk.rps.toFixed(0)} (${sdk.p50.toFixed(2)}) | ${node.rps.toFixed(0)} | ${(node.rps / bare.rps).toFixed(2)} | ${bare.p50.toFixed(2)} / ${bare.p95.toFixed(2)} | ${node.p50.toFixed(2)} / ${node.p95.toFixed(2)} | ${(node.p50 - bare.p50).toFixed(2)} |`,
        );
        process.stdout.write(`${rows.at(-1)}\n`);
      }
    }
  } finally {
    proxy.close();
    await f.close();
  }
  writeBenchmarkSection(
    'Chat API (OpenAI-compatible, on the agent node)',
    `${benchContext()}

\`node -r @swc-node/register bench/chat-api.bench.ts\` — closed loop for ${SECONDS} s per row after a 0.5 s warm-up; the
OpenAI stand-in answers at once (no added latency, streamed replies without pauses between chunks); load generator,
stand-in, bare proxy and node share one process.

| load | stand-in direct (req/s) | bare proxy (req/s) | official SDK → stand-in (req/s, p50 ms) | node (req/s) | node / proxy | proxy p50 / p95 (ms) | node p50 / p95 (ms) | added p50 (ms) |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Target: the node adds at most ${TARGET_MS} ms (p50, plain, 1 concurrent) over the bare proxy — ${
      addedP50 <= TARGET_MS ? 'met' : '**not met**'
    } (${addedP50.toFixed(2)} ms).

Where the node's time goes beyond the proxy's: mostly the official OpenAI SDK's own call to the provider (the
"official SDK → stand-in" column: undici fetch, request building and response parsing — the proxy forwards bytes over
node:http); then the key lookup (SHA-256 of the presented key, an in-memory index refreshed
from one indexed SQLite query per request), two token buckets, the JSON body parsed and checked against the request
schema, the agent read from SQLite for its instructions and provider, the provider key decrypted (AES-256-GCM), the answer rebuilt in OpenAI's shape, and the
counters and the key's last use written to SQLite (WAL, synchronous=FULL) in one transaction per request.`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
