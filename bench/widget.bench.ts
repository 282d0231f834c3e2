/**
 * The website widget: loader and panel sizes (gzipped), time to first token on the widget's SSE
 * stream against the OpenAI stand-in's own time to first chunk (the floor, measured in the same
 * run with the same chunk pacing), and the node's RSS and event-loop delay with 1,000 open widget
 * streams.
 *
 * Everything runs in this one process (stand-in, node, the streams' client side), so the RSS
 * figure is an upper bound of what the node adds: it includes the client sockets.
 *
 *   node -r @swc-node/register bench/widget.bench.ts [--streams 1000] [--samples 15] [--no-write]
 */
import { request, type IncomingMessage } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { buildWidgetAssets } from '../agent-node/build/widget-bundle';
import { OPENAI_TEST_KEY } from '../agent-node/src/testing/node-harness';
import { startNodeFixture, type NodeFixture } from '../agent-node/src/testing/node-fixture';
import { applyWidgetConfig } from '../agent-node/src/testing/widget-testing';
import { percentile } from './agent-node-load';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const STREAMS = Number(flagValue('--streams') ?? 1000);
const SAMPLES = Number(flagValue('--samples') ?? 15);
const SITE = 'https://shop.example';
const STREAMS_PER_CONVERSATION = 4; // tabs: keeps the conversations within the per-address limits
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
let clientIds = 0;
const message = (text: string) => ({ text, clientId: `bench${++clientIds}xx` });

async function start(f: NodeFixture, text: string): Promise<string> {
  const res = await fetch(`${f.nodeUrl}/widget/api/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SITE },
    body: JSON.stringify({ message: message(text) }),
  });
  if (res.status !== 201) throw new Error(`start: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { conversationId: string }).conversationId;
}

/** Opens an SSE stream; `onData` sees each chunk. */
function openStream(f: NodeFixture, id: string, onData: (text: string) => void): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${f.nodeUrl}/widget/api/conversations/${id}/events`, (res) => {
      res.setEncoding('utf8');
      res.on('data', onData);
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Milliseconds from sending a message to the first `event: delta` of its reply on an open stream. */
async function widgetFirstToken(f: NodeFixture, id: string): Promise<number> {
  let resolveFirst: (t: number) => void = () => undefined;
  const first = new Promise<number>((r) => (resolveFirst = r));
  const res = await openStream(f, id, (chunk) => {
    if (chunk.includes('event: delta')) resolveFirst(performance.now());
  });
  const sent = performance.now();
  const post = await fetch(`${f.nodeUrl}/widget/api/conversations/${id}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SITE },
    body: JSON.stringify(message('How long does shipping take?')),
  });
  if (post.status !== 201) throw new Error(`post: ${post.status}`);
  const at = await first;
  res.destroy();
  return at - sent;
}

/** The floor: the stand-in's own time to its first streamed chunk for the same kind of request. */
async function standInFirstChunk(f: NodeFixture): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${f.sandbox.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPENAI_TEST_KEY}` },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'How long does shipping take?' }],
    }),
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  const at = performance.now();
  await reader.cancel();
  return at - started;
}

async function main(): Promise<void> {
  const assets = await buildWidgetAssets();
  const loaderGz = gzipSync(assets.loader, { level: 9 }).length;
  const panelGz = gzipSync(assets.panel, { level: 9 }).length;

  const f = await startNodeFixture();
  const rows: string[] = [];
  try {
    await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/openai_api_key', { value: OPENAI_TEST_KEY });
    await applyWidgetConfig(f, 1, {
      allowedOrigins: [SITE],
      prechat: { name: 'off', email: 'off', phone: 'off' },
      limits: { messagesPerMinute: 120, maxMessageLength: 2000, conversationsPerIpPerDay: 1000 },
    });
    // Time to first token, one conversation at a time, each after the previous reply was stored.
    const floor: number[] = [];
    const widget: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      floor.push(await standInFirstChunk(f));
      const id = await start(f, 'Hello');
      await new Promise((r) => setTimeout(r, 300)); // let the first reply go out
      widget.push(await widgetFirstToken(f, id));
      await new Promise((r) => setTimeout(r, 300));
    }
    const floorP50 = percentile(floor, 50);
    const widgetP50 = percentile(widget, 50);
    rows.push(
      `| Time to first token (p50 / p90) | ${widgetP50.toFixed(1)} / ${percentile(widget, 90).toFixed(1)} ms | stand-in's first chunk ${floorP50.toFixed(1)} / ${percentile(floor, 90).toFixed(1)} ms | +${(widgetP50 - floorP50).toFixed(1)} ms (${(widgetP50 / floorP50).toFixed(2)}×) | — |`,
    );

    // 1,000 open streams, idle, over distinct conversations.
    await new Promise((r) => setTimeout(r, 1000));
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const conversations: string[] = [];
    for (let i = 0; i < Math.ceil(STREAMS / STREAMS_PER_CONVERSATION); i++)
      conversations.push(await start(f, `Hi ${i}`));
    await new Promise((r) => setTimeout(r, 3000)); // the replies of those conversations go out
    const open: IncomingMessage[] = [];
    for (let i = 0; i < STREAMS; i++)
      open.push(await openStream(f, conversations[i % conversations.length], () => undefined));
    global.gc?.();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await new Promise((r) => setTimeout(r, 5000));
    delay.disable();
    const rssAfter = process.memoryUsage().rss;
    const hub = (f.app['run'] as unknown as { capabilities: { widget: { hub: { openStreams(): number } } } })
      .capabilities.widget.hub;
    rows.push(
      `| ${hub.openStreams()} open streams: RSS | ${mb(rssAfter)} | ${mb(rssBefore)} before opening them | +${mb(rssAfter - rssBefore)} (${kb((rssAfter - rssBefore) / STREAMS)} per stream, client side included) | — |`,
      `| ${STREAMS} open streams: event-loop delay p50 / p99 / max | ${(delay.percentile(50) / 1e6).toFixed(1)} / ${(delay.percentile(99) / 1e6).toFixed(1)} / ${(delay.max / 1e6).toFixed(1)} ms | 10 ms sampling resolution | — | — |`,
    );
    for (const res of open) res.destroy();
  } finally {
    await f.close();
  }

  const table = [
    '| Measure | Widget | Floor / baseline | Ratio | Target |',
    '| --- | --- | --- | --- | --- |',
    `| Loader (gzipped) | ${kb(loaderGz)} | — | — | ≤ 5 KB |`,
    `| Panel (gzipped) | ${kb(panelGz)} | — | — | ≤ 30 KB |`,
    ...rows,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  writeBenchmarkSection(
    'Website widget',
    `${benchContext()}

\`node -r @swc-node/register bench/widget.bench.ts\` — loader and panel as the node's bundle ships them
(esbuild, minified, gzip -9); ${SAMPLES} time-to-first-token samples (a message POSTed to a conversation
whose SSE stream is open, until its reply's first \`delta\` event) against the OpenAI stand-in's own first
streamed chunk measured in the same run; then ${STREAMS} SSE streams held open (${STREAMS_PER_CONVERSATION}
per conversation) for 5 s. Stand-in, node and the streams' client side share this one process.

${table}

Reading: the first token's extra time over the stand-in is the node's own path — storing the visitor's
message (one durable SQLite commit), the reply queue picking the job up, history and prompt building, the
SDK's streamed request — and the stand-in's pacing of its first events. An idle stream costs the node a
socket, a response object and a set entry; one shared timer writes the keep-alive comment to all of them,
so the event loop stays free with ${STREAMS} streams open.`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
