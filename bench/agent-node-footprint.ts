/**
 * Measures the agent node's start-up time and idle memory, spawning the real process.
 *
 *   node -r @swc-node/register bench/agent-node-footprint.ts [--runs 5] [--no-write]
 *
 * Two ways of running the node are measured:
 *   - "bundle": what a host runs — `node <flags> launcher.js --config …` from the app directory
 *     provisioning ships (agent-node/build/bundle.ts + the launcher), with the launcher's TLS
 *     terminator listening on a self-signed certificate and answering one HTTPS request;
 *   - "dev": `node -r @swc-node/register agent-node/src/main.ts` (transpiles at start-up).
 * Start-up = spawn → first 200 from /healthz. Idle RSS = VmRSS of the process 5 s after the
 * config was applied with heartbeats every 2 s (first configuration: grammY loaded for
 * setWebhook), 5 s after a restart on the same data (steady state: webhooks already
 * registered, nothing loaded lazily yet), and 30 s after it answered 20 messages (model SDKs
 * and grammY loaded). Figures are written into docs/agent-node.md between the bench markers and, as ratios
 * against the default V8 flags, into docs/BENCHMARKS.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildAgentNodeBundle, nodeBundleOptions, RECOMMENDED_NODE_FLAGS } from '../agent-node/build/bundle';
import { startSandbox } from '../apps/sandbox/src/sandbox';
import { createStandIns } from '../apps/sandbox/src/stand-ins';
import { writeBenchmarkSection } from './report';
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

const ROOT = join(__dirname, '..');
const DOC = join(ROOT, 'docs', 'agent-node.md');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const write = !process.argv.includes('--no-write');
const onlyBundle = process.argv.includes('--bundle-only');

interface Mode {
  readonly name: string;
  readonly bundle: boolean;
  readonly flags: readonly string[];
}
const MODES: readonly Mode[] = [
  { name: `bundle + \`${RECOMMENDED_NODE_FLAGS.join(' ')}\` (shipped)`, bundle: true, flags: RECOMMENDED_NODE_FLAGS },
  {
    name: `bundle + \`${[...RECOMMENDED_NODE_FLAGS, '--no-opt'].join(' ')}\` (no optimizing compiler)`,
    bundle: true,
    flags: [...RECOMMENDED_NODE_FLAGS, '--no-opt'],
  },
  { name: 'bundle, default V8 flags', bundle: true, flags: [] },
  { name: 'dev (`node -r @swc-node/register`, transpiles at start)', bundle: false, flags: [] },
];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The app directory of a provisioned host: the node, its lazy packages and the launcher. */
async function bundle(outDir: string): Promise<string> {
  await buildAgentNodeBundle(outDir, ROOT);
  const launcher = join(outDir, 'launcher.js');
  await build({
    ...nodeBundleOptions(ROOT),
    entryPoints: [join(ROOT, 'provisioning', 'host', 'launcher.ts')],
    outfile: launcher,
  });
  return launcher;
}

/** tls/tls.json beside the node config, as the provisioning TLS step writes it (self-signed here). */
async function writeTls(configDir: string): Promise<number> {
  const dir = join(configDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'origin.pem');
  const keyFile = join(dir, 'origin.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=node.enclave.test',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  writeFileSync(join(dir, 'tls.json'), JSON.stringify({ host: '127.0.0.1', port, certFile, keyFile }));
  return port;
}

/** One HTTPS request through the launcher's TLS terminator (the way webhooks arrive). */
function httpsHealth(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`https /healthz: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

interface Sample {
  startupMs: number;
  coldRssMb: number;
  warmRssMb?: number;
  /** Steady state: restarted on the same data (webhooks registered, nothing answered yet). */
  restartedRssMb: number;
}

async function measure(mode: Mode, bundleFile: string, warm: boolean): Promise<Sample> {
  const sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
  const cp = await new FakeControlPlane().start();
  const dir = tempDir('enclave-bench-');
  const port = await freePort();
  const nodeUrl = `http://127.0.0.1:${port}`;
  const cfg = testNodeConfig({ dataDir: join(dir, 'data'), sandboxUrl: sandbox.url, controlPlane: cp, port });
  const configPath = writeConfig(dir, {
    ...cfg,
    publicBaseUrl: nodeUrl,
    logLevel: (process.env.BENCH_LOG ?? 'warn') as 'warn',
    heartbeatIntervalMs: 2_000,
  });
  const tlsPort = mode.bundle ? await writeTls(dir) : undefined;
  const args = [
    ...mode.flags,
    ...(mode.bundle
      ? [bundleFile, '--config', configPath]
      : ['-r', '@swc-node/register', join(ROOT, 'agent-node', 'src', 'main.ts'), '--config', configPath]),
  ];
  const launch = async (): Promise<{ child: ChildProcess; startupMs: number }> => {
    const started = process.hrtime.bigint();
    const child: ChildProcess = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', process.env.BENCH_LOG ? 'inherit' : 'ignore', 'pipe'],
      env: { ...process.env, NODE_PATH: '' },
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(
      () =>
        fetch(`${nodeUrl}/healthz`)
          .then((r) => r.ok)
          .catch(() => false),
      10_000,
      5,
    ).catch((err: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${mode.name}: node did not start: ${err.message}\n${stderr}`);
    });
    const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (tlsPort)
      await waitFor(
        () =>
          httpsHealth(tlsPort)
            .then(() => true)
            .catch(() => false),
        10_000,
        20,
      );
    return { child, startupMs };
  };
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  const first = await launch();
  const { startupMs } = first;
  let { child } = first;
  try {
    const sandboxJson = (method: string, path: string, body?: unknown) =>
      fetch(`${sandbox.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(jsonOf);
    const ch = await configureNode({ cp, nodeUrl, sandboxJson });
    await sleep(5_000);
    const coldRssMb = rssMb(child.pid as number);
    let warmRssMb: number | undefined;
    if (warm) {
      for (let i = 0; i < 10; i++) {
        await sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
          chatId: 10 + (i % 3),
          text: `message ${i}`,
        });
        await sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
          from: `1555000${i % 3}`,
          text: `message ${i}`,
        });
      }
      await waitFor(
        async () => (await sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length === 10,
        20_000,
      );
      await waitFor(
        async () =>
          (await sandboxJson('GET', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/sent`)).messages
            .length === 10,
        20_000,
      );
      await sleep(30_000);
      warmRssMb = rssMb(child.pid as number);
    }
    await stop(child);
    ({ child } = await launch());
    await sleep(5_000);
    const restartedRssMb = rssMb(child.pid as number);
    return { startupMs, coldRssMb, warmRssMb, restartedRssMb };
  } finally {
    await stop(child);
    await sandbox.close();
    await cp.stop();
    removeDir(dir);
  }
}

async function main(): Promise<void> {
  const tmp = tempDir('enclave-bundle-');
  mkdirSync(tmp, { recursive: true });
  const bundleFile = await bundle(tmp);
  const results = new Map<Mode, Sample[]>();
  for (const mode of onlyBundle ? MODES.filter((m) => m.bundle) : MODES) {
    results.set(mode, []);
    for (let i = 0; i < runs; i++) {
      const s = await measure(mode, bundleFile, i === 0);
      results.get(mode)?.push(s);
      console.log(
        `${mode.name} run ${i + 1}: start-up ${s.startupMs.toFixed(0)} ms, idle RSS ${s.coldRssMb.toFixed(1)} MB, after restart ${s.restartedRssMb.toFixed(1)} MB${s.warmRssMb ? `, after traffic ${s.warmRssMb.toFixed(1)} MB` : ''}`,
      );
    }
  }
  removeDir(tmp);
  const row = (mode: string, xs: Sample[]) => {
    const st = xs.map((x) => x.startupMs);
    const rss = xs.map((x) => x.coldRssMb);
    const warm = xs.find((x) => x.warmRssMb)?.warmRssMb;
    const restarted = xs.map((x) => x.restartedRssMb);
    return `| ${mode} | ${median(st).toFixed(0)} ms | ${Math.max(...st).toFixed(0)} ms | ${median(rss).toFixed(1)} MB | ${Math.max(...rss).toFixed(1)} MB | ${median(restarted).toFixed(1)} MB | ${warm ? `${warm.toFixed(1)} MB` : 'n/a'} |`;
  };
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`bench/agent-node-footprint.ts\` (${runs} runs per mode, Node ${process.version}, ${process.platform}/${process.arch}; shared 2-core machine, so treat as indicative).`,
    '',
    '| mode | start-up (median) | start-up (max) | idle RSS just configured (median) | idle RSS (max) | idle RSS after a restart (median) | RSS 30 s after 20 replies (first run) |',
    '|---|---|---|---|---|---|---|',
    ...[...results].map(([mode, xs]) => row(mode.name, xs)),
    '',
    'Targets: start-up < 1 s, idle RSS <= 60 MB.',
  ].join('\n');
  console.log(`\n${table}`);
  if (write) {
    writeBenchmarkSection('Agent node footprint', benchmarkSummary(results));
    const doc = readFileSync(DOC, 'utf8');
    const next = doc.replace(
      /<!-- bench:start -->[\s\S]*<!-- bench:end -->/,
      `<!-- bench:start -->\n${table}\n<!-- bench:end -->`,
    );
    writeFileSync(DOC, next);
    console.log(`\nwritten to ${DOC}`);
  }
}

/** docs/BENCHMARKS.md: medians as ratios against the same bundle on V8's default flags. */
function benchmarkSummary(results: Map<Mode, Sample[]>): string {
  const medians = [...results].map(([mode, xs]) => ({
    mode,
    startupMs: median(xs.map((x) => x.startupMs)),
    configuredMb: median(xs.map((x) => x.coldRssMb)),
    restartedMb: median(xs.map((x) => x.restartedRssMb)),
    afterTrafficMb: xs.find((x) => x.warmRssMb)?.warmRssMb ?? NaN,
  }));
  const baseline = medians.find((m) => m.mode.bundle && m.mode.flags.length === 0);
  if (!baseline) throw new Error('the baseline mode (bundle, default V8 flags) was not measured');
  const shipped = medians.find((m) => m.mode.flags === RECOMMENDED_NODE_FLAGS) ?? baseline;
  const cell = (value: number, base: number, unit: string, digits: number) =>
    Number.isNaN(value)
      ? 'n/a'
      : `${value.toFixed(digits)} ${unit}${value === base ? '' : ` (${(value / base).toFixed(2)}×)`}`;
  const idle = Math.max(shipped.configuredMb, shipped.restartedMb);
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`bench/agent-node-footprint.ts\` (median of ${results.get(baseline.mode)?.length} runs per mode, same session, Node ${process.version}; the node runs as on a host: \`launcher.js\` with its TLS terminator, heartbeats every 2 s; details in [agent-node.md](agent-node.md#footprint)). Baseline: the same bundle on V8's default flags.`,
    '',
    '| mode | start-up | idle RSS, just configured | idle RSS after a restart | RSS 30 s after 20 replies |',
    '|---|---|---|---|---|',
    ...medians.map(
      (m) =>
        `| ${m.mode.name}${m === baseline ? ' (baseline)' : ''} | ${cell(m.startupMs, baseline.startupMs, 'ms', 0)} | ${cell(m.configuredMb, baseline.configuredMb, 'MB', 1)} | ${cell(m.restartedMb, baseline.restartedMb, 'MB', 1)} | ${cell(m.afterTrafficMb, baseline.afterTrafficMb, 'MB', 1)} |`,
    ),
    '',
    `Targets, for the shipped mode: start-up < 1 s (${shipped.startupMs < 1000 ? 'met' : '**not met**'}, ${shipped.startupMs.toFixed(0)} ms); idle RSS <= 60 MB (${idle <= 60 ? 'met' : '**not met**'}, ${Math.min(shipped.configuredMb, shipped.restartedMb).toFixed(1)}–${idle.toFixed(1)} MB).`,
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
