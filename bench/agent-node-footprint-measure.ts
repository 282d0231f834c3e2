import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from '../apps/sandbox/src/sandbox';
import { createStandIns } from '../apps/sandbox/src/stand-ins';
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
import { httpsHealth, ROOT, writeTls } from './agent-node-host-app';

/** One way of running the node: the bundle (with these V8 flags) or the sources through @swc-node/register. */
export interface Mode {
  readonly name: string;
  readonly bundle: boolean;
  readonly flags: readonly string[];
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Sample {
  startupMs: number;
  coldRssMb: number;
  warmRssMb?: number;
  /** Steady state: restarted on the same data (webhooks registered, nothing answered yet). */
  restartedRssMb: number;
}

/**
 * Starts the node in `mode` against a fresh sandbox and fake control plane and samples it: start-up,
 * idle RSS once configured, after 20 replies (when `warm`), and after a restart on the same data.
 */
export async function measure(mode: Mode, bundleFile: string, warm: boolean): Promise<Sample> {
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
