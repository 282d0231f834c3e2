import { join } from 'node:path';
// Test-only: the sandbox stands in for the external providers; it never ships with the node.
import { createStandIns, startSandbox, type RunningSandbox } from '@enclave/sandbox';
import type { NodeConfigInput } from '../config/node-config';
import { FakeControlPlane } from './fake-control-plane';
import { freePort } from './node-fixture';
import { jsonOf, removeDir, type SandboxAnswer, tempDir, testNodeConfig, writeConfig } from './node-harness';
import type { NodeProcess } from './node-process';

/** A sandbox, a fake control plane and a config file for the real node process (`spawnNode(configPath)`). */
export interface ProcessFixture {
  readonly sandbox: RunningSandbox;
  readonly cp: FakeControlPlane;
  readonly dir: string;
  readonly dataDir: string;
  readonly nodeUrl: string;
  readonly configPath: string;
  sandboxJson(method: string, path: string, body?: unknown): Promise<SandboxAnswer>;
  /** Whether the node answers /healthz. */
  healthy(): Promise<boolean>;
  /** Kills `proc` if it still runs, then stops everything and removes the directory. */
  close(proc?: NodeProcess): Promise<void>;
}

export async function startProcessFixture(
  extra: (base: NodeConfigInput) => Partial<NodeConfigInput> = () => ({}),
): Promise<ProcessFixture> {
  const sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
  const cp = await new FakeControlPlane().start();
  const dir = tempDir();
  const port = await freePort();
  const nodeUrl = `http://127.0.0.1:${port}`;
  const dataDir = join(dir, 'data');
  const cfg = testNodeConfig({ dataDir, sandboxUrl: sandbox.url, controlPlane: cp, port });
  const configPath = writeConfig(dir, { ...cfg, publicBaseUrl: nodeUrl, logLevel: 'info', ...extra(cfg) });
  return {
    sandbox,
    cp,
    dir,
    dataDir,
    nodeUrl,
    configPath,
    sandboxJson: async (method, path, body) =>
      await fetch(`${sandbox.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(jsonOf),
    healthy: async () =>
      await fetch(`${nodeUrl}/healthz`)
        .then((r) => r.ok)
        .catch(() => false),
    async close(proc) {
      if (proc && proc.child.exitCode === null) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
      await sandbox.close();
      await cp.stop();
      removeDir(dir);
    },
  };
}
