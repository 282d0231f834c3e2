import Database from 'better-sqlite3';
import { join } from 'node:path';
import { configureNode, type ConfiguredChannels } from './testing/node-fixture';
import { tempDir, waitFor, writeConfig } from './testing/node-harness';
import { spawnNode, type NodeProcess } from './testing/node-process';
import { startProcessFixture, type ProcessFixture } from './testing/process-fixture';

describe('crash recovery of the real node process', () => {
  let p: ProcessFixture;
  let proc: NodeProcess | undefined;

  beforeAll(async () => {
    p = await startProcessFixture((cfg) => ({ model: { ...cfg.model, timeoutMs: 20_000 } }));
  });

  afterAll(() => p.close(proc));

  it('fails loudly on a bad config', async () => {
    const bad = writeConfig(tempDir(), { nodeId: '' } as never);
    const p = spawnNode(bad);
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('invalid agent-node config');
    expect(p.output()).toContain('controlPlane');
  });

  it('a message stored before a kill -9 gets exactly one reply after restart', async () => {
    proc = spawnNode(p.configPath);
    await waitFor(() => p.healthy(), 10_000);
    const ch: ConfiguredChannels = await configureNode(p);

    // Hold the model call so the node is between "inbound stored" and "reply sent".
    await p.sandboxJson('POST', '/openai/_test/faults', { latencyMs: 15_000 });
    const r = await p.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 777,
      text: 'survive the crash',
    });
    expect(r.delivery.status).toBe(200); // acknowledged only after the commit
    await waitFor(async () => (await p.sandboxJson('GET', '/openai/_test/requests')).requests.length === 1);

    const db = new Database(join(p.dataDir, 'node.sqlite'), { readonly: true });
    expect((db.prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'in'").get() as { n: number }).n).toBe(1);
    expect((db.prepare('SELECT state FROM reply_jobs').get() as { state: string }).state).toBe('pending');
    db.close();

    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBeNull();
    await p.sandboxJson('DELETE', '/openai/_test/faults');
    expect((await p.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages).toHaveLength(0);

    proc = spawnNode(p.configPath);
    await waitFor(
      async () => (await p.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length === 1,
      15_000,
    );
    // the same update delivered again after restart (Telegram retry) changes nothing
    await p.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates/${r.update_id}/redeliver`);
    await new Promise((res) => setTimeout(res, 500));
    const sent = (await p.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages;
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toBe('[gpt-4o-mini] You said: "survive the crash" (1 messages in context)');

    const after = new Database(join(p.dataDir, 'node.sqlite'), { readonly: true });
    expect(after.prepare('SELECT state, send_attempts AS sendAttempts FROM reply_jobs').all()).toEqual([
      { state: 'sent', sendAttempts: 1 },
    ]);
    after.close();

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 60_000);
});
