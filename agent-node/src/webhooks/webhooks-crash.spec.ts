import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createStandIns, startSandbox, type RunningSandbox } from '@enclave/sandbox';
import { FakeControlPlane } from '../testing/fake-control-plane';
import { configureNode, freePort } from '../testing/node-fixture';
import { jsonOf, removeDir, tempDir, testNodeConfig, waitFor, writeConfig } from '../testing/node-harness';
import { spawnNode, type NodeProcess } from '../testing/node-process';
import { applyWebhookConfig, startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver';

describe('webhook delivery survives kill -9 of the real node process', () => {
  let sandbox: RunningSandbox;
  let cp: FakeControlPlane;
  let receiver: WebhookReceiver;
  let dir: string;
  let nodeUrl: string;
  let configPath: string;
  let proc: NodeProcess | undefined;

  const sandboxJson = async (method: string, path: string, body?: unknown) =>
    await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(jsonOf);
  const healthy = async () =>
    (await fetch(`${nodeUrl}/healthz`)
      .then((r) => r.ok)
      .catch(() => false)) as boolean;

  beforeAll(async () => {
    sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
    cp = await new FakeControlPlane().start();
    receiver = await startWebhookReceiver();
    dir = tempDir();
    const port = await freePort();
    nodeUrl = `http://127.0.0.1:${port}`;
    const cfg = testNodeConfig({ dataDir: join(dir, 'data'), sandboxUrl: sandbox.url, controlPlane: cp, port });
    configPath = writeConfig(dir, {
      ...cfg,
      publicBaseUrl: nodeUrl,
      webhooks: { testAllowHosts: [receiver.hostPort], pollMs: 50 },
      logLevel: 'info',
    });
  });

  afterAll(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await receiver.close();
    await sandbox.close();
    await cp.stop();
    removeDir(dir);
  });

  it('an attempt cut by kill -9 is made again after restart under the same webhook-id, and only that one', async () => {
    proc = spawnNode(configPath);
    await waitFor(healthy, 10_000);
    const ch = await configureNode({ cp, nodeUrl, sandboxJson });
    await applyWebhookConfig(
      { cp, nodeUrl },
      2,
      [{ id: 'ep-crm', url: receiver.url, events: ['message.received'], enabled: true, updatedAt: 'v1' }],
      { 'ep-crm': receiver.secret },
    );

    // The receiver holds its answer: the node is mid-delivery when it dies.
    receiver.script = { status: 200, delayMs: 10_000 };
    await sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 99, text: 'lead me' });
    await waitFor(() => receiver.received.length === 1, 10_000);
    const first = receiver.received[0];
    expect(first.verified).toBe(true);
    expect(first.type).toBe('message.received');

    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBeNull();

    receiver.script = { status: 204 };
    proc = spawnNode(configPath);
    await waitFor(() => receiver.received.length === 2, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(2);
    const second = receiver.received[1];
    expect(second).toMatchObject({ id: first.id, verified: true, type: 'message.received' });
    expect(second.payload).toEqual(first.payload);

    const db = new Database(join(dir, 'data', 'node.sqlite'), { readonly: true });
    expect(db.prepare('SELECT id, status, attempts FROM webhook_deliveries').all()).toEqual([
      { id: first.id, status: 'delivered', attempts: 1 },
    ]);
    db.close();

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 60_000);
});
