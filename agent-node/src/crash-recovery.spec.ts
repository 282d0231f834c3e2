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

  /** How a test posts an end user's message to the node through a channel's stand-in and reads what the node sent. */
  interface ChannelDriver {
    readonly name: string;
    readonly type: 'telegram' | 'whatsapp';
    readonly provider: 'openai' | 'anthropic';
    readonly reply: string;
    deliver(ch: ConfiguredChannels, text: string): Promise<{ status: number; redeliver: () => Promise<unknown> }>;
    sent(ch: ConfiguredChannels): Promise<{ text: string }[]>;
  }

  const telegram: ChannelDriver = {
    name: 'Telegram',
    type: 'telegram',
    provider: 'openai',
    reply: '[gpt-4o-mini] You said: "survive the crash" (1 messages in context)',
    async deliver(ch, text) {
      const r = await p.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 777, text });
      const redeliver = () =>
        p.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates/${r.update_id}/redeliver`);
      return { status: r.delivery.status, redeliver };
    },
    sent: async (ch) => (await p.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages,
  };

  const whatsapp: ChannelDriver = {
    name: 'WhatsApp',
    type: 'whatsapp',
    provider: 'anthropic',
    reply: '(claude-haiku-4-5) Echo: survive the crash [1 turns]',
    async deliver(ch, text) {
      const phone = `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}`;
      const r = await p.sandboxJson('POST', `${phone}/messages`, { from: '15557770000', text });
      const redeliver = () => p.sandboxJson('POST', `${phone}/messages/${encodeURIComponent(r.messageId)}/redeliver`);
      return { status: r.delivery.status, redeliver };
    },
    sent: async (ch) =>
      (await p.sandboxJson('GET', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/sent`)).messages,
  };

  const latestJob = (db: Database.Database) =>
    db.prepare('SELECT state, send_attempts AS sendAttempts FROM reply_jobs ORDER BY id DESC LIMIT 1').get();

  it.each([telegram, whatsapp])(
    'a message acknowledged to $name before a kill -9 gets exactly one reply after restart',
    async (channel) => {
      proc = spawnNode(p.configPath);
      await waitFor(() => p.healthy(), 10_000);
      const ch: ConfiguredChannels = await configureNode(p);
      const sentBefore = (await channel.sent(ch)).length;
      const asked = (await p.sandboxJson('GET', `/${channel.provider}/_test/requests`)).requests.length;

      // Hold the model call so the node is between "inbound stored" and "reply sent".
      await p.sandboxJson('POST', `/${channel.provider}/_test/faults`, { latencyMs: 15_000 });
      const delivered = await channel.deliver(ch, 'survive the crash');
      expect(delivered.status).toBe(200); // acknowledged only after the commit
      await waitFor(
        async () => (await p.sandboxJson('GET', `/${channel.provider}/_test/requests`)).requests.length === asked + 1,
      );

      const db = new Database(join(p.dataDir, 'node.sqlite'), { readonly: true });
      expect(latestJob(db)).toMatchObject({ state: 'pending' });
      db.close();

      proc.child.kill('SIGKILL');
      expect(await proc.exited).toBeNull();
      await p.sandboxJson('DELETE', `/${channel.provider}/_test/faults`);
      expect(await channel.sent(ch)).toHaveLength(sentBefore);

      proc = spawnNode(p.configPath);
      await waitFor(async () => (await channel.sent(ch)).length === sentBefore + 1, 15_000);
      // the same message delivered again after restart (the provider's retry) changes nothing
      expect(((await delivered.redeliver()) as { delivery: { status: number } }).delivery.status).toBe(200);
      await new Promise((res) => setTimeout(res, 500));
      const sent = await channel.sent(ch);
      expect(sent).toHaveLength(sentBefore + 1);
      expect(sent[sentBefore].text).toBe(channel.reply);

      const after = new Database(join(p.dataDir, 'node.sqlite'), { readonly: true });
      expect(latestJob(after)).toEqual({ state: 'sent', sendAttempts: 1 });
      const stored = after.prepare(
        `SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
           JOIN channels k ON k.id = c.channel_id WHERE k.type = ? AND m.direction = 'in'`,
      );
      expect(stored.get(channel.type)).toEqual({ n: 1 });
      after.close();

      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    },
    60_000,
  );
});
