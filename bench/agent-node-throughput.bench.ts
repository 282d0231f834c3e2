/**
 * Agent node reply throughput, latency, CPU per reply and RSS, Telegram and WhatsApp, at 1, 4,
 * 16 and 64 concurrent end users (closed loop: each sends its next message once answered),
 * against the floor measured in the same run: bare node:http + one SQLite INSERT (WAL, FULL) +
 * one POST to sendMessage (bench/agent-node-floor.ts).
 *
 * The node runs as on a host (the bundle, launcher.js, the shipped V8 flags); the model is the
 * sandbox's OpenAI/Anthropic stand-in with no added latency ("instant model"); sends go
 * through the same proxy to the sandbox for the node and for the floor. CPU from /proc.
 *
 *   node -r @swc-node/register bench/agent-node-throughput.bench.ts [--seconds 5] [--levels 1,4,16,64] [--no-write]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { RECOMMENDED_NODE_FLAGS } from '../agent-node/build/bundle';
import { FakeControlPlane } from '../agent-node/src/testing/fake-control-plane';
import { configureNode, freePort } from '../agent-node/src/testing/node-fixture';
import {
  jsonOf,
  removeDir,
  tempDir,
  testNodeConfig,
  waitFor,
  writeConfig,
} from '../agent-node/src/testing/node-harness';
import { startSandbox } from '../apps/sandbox/src/sandbox';
import { createStandIns } from '../apps/sandbox/src/stand-ins';
import { bundle, ROOT } from './agent-node-host-app';
import { closedLoop, cpuMs, postJson, ProviderProxy, rssMb, telegramUpdate, whatsappMessage } from './agent-node-load';
import { throughputReport, type Measured } from './agent-node-throughput-report';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const SECONDS = Number(flagValue('--seconds') ?? 5);
const LEVELS = (flagValue('--levels') ?? '1,4,16,64').split(',').map(Number);
const USERS = Math.max(...LEVELS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ready(child: ChildProcess, url: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(
    () =>
      fetch(url)
        .then((r) => r.status < 500)
        .catch(() => false),
    20_000,
    20,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${stderr}`);
  });
}

async function measureLevel(
  pid: number,
  concurrency: number,
  run: (c: number, ms: number) => ReturnType<typeof closedLoop>,
): Promise<Measured> {
  await run(concurrency, 500); // warm-up at this level
  const cpu0 = cpuMs(pid);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const result = await run(concurrency, SECONDS * 1000);
  clearInterval(sampler);
  const cpu = cpuMs(pid) - cpu0;
  return { concurrency, ...result, cpuMsPerReply: cpu / result.replies, peakRssMb: Math.max(peak, rssMb(pid)) };
}

async function main(): Promise<void> {
  const dir = tempDir('enclave-throughput-');
  const sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
  const proxy = await new ProviderProxy(sandbox.url).start();
  const cp = await new FakeControlPlane().start();
  const children: ChildProcess[] = [];
  try {
    // BENCH_NODE_APP: an app directory built elsewhere (another commit's bundle, for a before/after in the same conditions).
    const prebuilt = process.env.BENCH_NODE_APP;
    const launcher = prebuilt ? join(prebuilt, 'launcher.js') : await bundle(join(dir, 'app'));
    const port = await freePort();
    const nodeUrl = `http://127.0.0.1:${port}`;
    const base = testNodeConfig({ dataDir: join(dir, 'data'), sandboxUrl: sandbox.url, controlPlane: cp, port });
    const { model: _model, delivery: _delivery, ...defaults } = base; // the node's own defaults, as shipped
    const configPath = writeConfig(dir, {
      ...defaults,
      publicBaseUrl: nodeUrl,
      logLevel: 'warn',
      telegramApiRoot: `${proxy.url}/telegram`,
      whatsapp: { graphApiBaseUrl: `${proxy.url}/whatsapp`, graphApiVersion: 'v21.0' },
    });
    // BENCH_NODE_FLAGS: extra flags for the node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where its time goes.
    const extraFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const node = spawn(process.execPath, [...RECOMMENDED_NODE_FLAGS, ...extraFlags, launcher, '--config', configPath], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_PATH: '' },
    });
    children.push(node);
    let nodeErr = '';
    node.stderr?.on('data', (d: Buffer) => (nodeErr = (nodeErr + d.toString()).slice(-4000)));
    await ready(node, `${nodeUrl}/healthz`);
    console.log('node up; configuring');
    const sandboxJson = (method: string, path: string, body?: unknown) =>
      fetch(`${sandbox.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      })
        .then(jsonOf)
        .catch((error: Error) => {
          throw new Error(`${method} ${path}: ${error.message}\nnode stderr: ${nodeErr}`);
        });
    const ch = await configureNode({ cp, nodeUrl, sandboxJson });
    console.log('configured; first messages');
    // Every end user writes once through the stand-ins (the chat exists for sendMessage, the
    // WhatsApp 24-hour window is open), then the load goes straight to the node's webhooks.
    let envelope = '';
    const firstReplies: Promise<void>[] = [];
    for (let user = 0; user < USERS; user += 1) {
      firstReplies.push(proxy.reply(String(5000 + user)));
      await sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
        chatId: 5000 + user,
        text: 'hi',
      });
      const wa = await sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
        from: String(15550000000 + user),
        text: 'hi',
      });
      envelope = JSON.stringify((wa as unknown as { payload: unknown }).payload);
      if (process.env.BENCH_DEBUG) console.log(`user ${user} wrote at ${new Date().toISOString()}`);
    }
    const answered = await Promise.race([Promise.all(firstReplies).then(() => true), sleep(60_000).then(() => false)]);
    if (!answered) throw new Error(`the node did not answer the first messages\n${nodeErr}`);
    await sleep(2_000);
    const pid = node.pid as number;
    const idleRssMb = rssMb(pid);
    const hook = (await sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/webhook`)).webhook as {
      url: string;
      secretToken: string;
    };
    const telegram = (c: number, ms: number) =>
      closedLoop(
        proxy,
        c,
        ms,
        (u) => String(5000 + u),
        (u, seq) =>
          postJson(hook.url, telegramUpdate(5000 + u, seq), { 'x-telegram-bot-api-secret-token': hook.secretToken }),
      );
    const whatsapp = (c: number, ms: number) =>
      closedLoop(
        proxy,
        c,
        ms,
        (u) => String(15550000000 + u),
        (u, seq) => {
          const { body, headers } = whatsappMessage(envelope, ch.whatsapp.appSecret, String(15550000000 + u), seq);
          return postJson(`${nodeUrl}/webhooks/whatsapp/wa-main`, body, headers);
        },
      );
    const nodeTelegram: Measured[] = [];
    const nodeWhatsapp: Measured[] = [];
    for (const level of LEVELS) {
      nodeTelegram.push(await measureLevel(pid, level, telegram));
      console.log(`node telegram c=${level}: ${(nodeTelegram.at(-1) as Measured).replies} replies`);
      nodeWhatsapp.push(await measureLevel(pid, level, whatsapp));
      console.log(`node whatsapp c=${level}: ${(nodeWhatsapp.at(-1) as Measured).replies} replies`);
    }
    const peakRssMb = Math.max(...[...nodeTelegram, ...nodeWhatsapp].map((m) => m.peakRssMb));
    await sleep(10_000);
    const afterRssMb = rssMb(pid);
    node.kill('SIGTERM');
    await new Promise((r) => node.once('exit', r));

    // The floor, same proxy, same sandbox, same load.
    const floorPort = await freePort();
    const floor = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(__dirname, 'agent-node-floor.ts'),
        '--port',
        String(floorPort),
        '--send',
        `${proxy.url}/telegram/bot${ch.telegramToken}/sendMessage`,
        '--db',
        join(dir, 'floor.sqlite'),
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(floor);
    await ready(floor, `http://127.0.0.1:${floorPort}/`);
    const floorRun = (c: number, ms: number) =>
      closedLoop(
        proxy,
        c,
        ms,
        (u) => String(5000 + u),
        (u, seq) => postJson(`http://127.0.0.1:${floorPort}/`, telegramUpdate(5000 + u, seq)),
      );
    const floors: Measured[] = [];
    for (const level of LEVELS) floors.push(await measureLevel(floor.pid as number, level, floorRun));

    const text = throughputReport({
      context: benchContext(),
      seconds: SECONDS,
      telegram: nodeTelegram,
      whatsapp: nodeWhatsapp,
      floors,
      idleRssMb,
      peakRssMb,
      afterRssMb,
    });
    console.log(text);
    writeBenchmarkSection('Agent node: replies per second', text);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await cp.stop();
    await proxy.close();
    await sandbox.close();
    removeDir(dir);
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
