import Database from 'better-sqlite3';
import { join } from 'node:path';
import { configureNode } from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import { spawnNode, type NodeProcess } from '../testing/node-process';
import { startProcessFixture, type ProcessFixture } from '../testing/process-fixture';
import { applyWebhookConfig, startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver';

describe('webhook delivery survives kill -9 of the real node process', () => {
  let p: ProcessFixture;
  let receiver: WebhookReceiver;
  let proc: NodeProcess | undefined;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    p = await startProcessFixture(() => ({ webhooks: { testAllowHosts: [receiver.hostPort], pollMs: 50 } }));
  });

  afterAll(async () => {
    await p.close(proc);
    await receiver.close();
  });

  it('an attempt cut by kill -9 is made again after restart under the same webhook-id, and only that one', async () => {
    proc = spawnNode(p.configPath);
    await waitFor(() => p.healthy(), 10_000);
    const ch = await configureNode(p);
    await applyWebhookConfig(
      p,
      2,
      [{ id: 'ep-crm', url: receiver.url, events: ['message.received'], enabled: true, updatedAt: 'v1' }],
      { 'ep-crm': receiver.secret },
    );

    // The receiver holds its answer: the node is mid-delivery when it dies.
    receiver.script = { status: 200, delayMs: 10_000 };
    await p.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 99, text: 'lead me' });
    await waitFor(() => receiver.received.length === 1, 10_000);
    const first = receiver.received[0];
    expect(first.verified).toBe(true);
    expect(first.type).toBe('message.received');

    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBeNull();

    receiver.script = { status: 204 };
    proc = spawnNode(p.configPath);
    await waitFor(() => receiver.received.length === 2, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(2);
    const second = receiver.received[1];
    expect(second).toMatchObject({ id: first.id, verified: true, type: 'message.received' });
    expect(second.payload).toEqual(first.payload);

    const db = new Database(join(p.dataDir, 'node.sqlite'), { readonly: true });
    expect(db.prepare('SELECT id, status, attempts FROM webhook_deliveries').all()).toEqual([
      { id: first.id, status: 'delivered', attempts: 1 },
    ]);
    db.close();

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 60_000);
});
