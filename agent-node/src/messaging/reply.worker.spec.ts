import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';

/**
 * Resume semantics of the durable reply queue, by putting the queue into the state a crash
 * at each step would leave, then starting a fresh node on the same data directory.
 */
describe('reply queue resume after a crash', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
    // make chat 31 known to the Telegram stand-in (a user wrote before)
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 31, text: 'hi' });
    await waitFor(
      async () => (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length === 1,
    );
  });
  afterAll(() => f.close());

  const sent = async () =>
    (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as { text: string }[];
  const modelCalls = async () => (await f.sandboxJson('GET', '/openai/_test/requests')).requests.length as number;

  /** Stores an inbound message with its job, as the webhook does, while the worker is paused. */
  function storeInbound(text: string, updateId: number): { jobId: number; messageId: number; conversationId: string } {
    const r = f.app.internals.conversations.storeInbound(
      {
        channelId: 'tg-main',
        eventKey: `u:${updateId}`,
        externalChatId: '31',
        externalMessageId: String(updateId),
        kind: 'text',
        text,
        receivedAt: Date.now(),
      },
      'pending',
    );
    if (r.duplicate) throw new Error('duplicate');
    const job = f.app.internals.db
      .prepare('SELECT id FROM reply_jobs WHERE inbound_message_id = ?')
      .get(r.messageId) as { id: number };
    return { jobId: job.id, messageId: r.messageId, conversationId: r.conversationId };
  }

  it('a reply generated but not yet sent is sent after restart without asking the model again', async () => {
    f.app.internals.worker.setPaused(true);
    const { jobId, messageId, conversationId } = storeInbound('generated before the crash', 900_001);
    const replyId = f.app.internals.conversations.insertOutbound(
      conversationId,
      'text',
      'the stored reply',
      messageId,
      Date.now(),
    );
    f.app.internals.jobs.markReady(jobId, replyId, 1, Date.now());
    await f.app.stop();
    const calls = await modelCalls();
    const before = (await sent()).length;
    await f.restart();
    await waitFor(async () => (await sent()).length === before + 1);
    expect((await sent())[before].text).toBe('the stored reply');
    expect(await modelCalls()).toBe(calls);
    expect(f.app.internals.jobs.get(jobId)).toMatchObject({ state: 'sent', sendAttempts: 1 });
  });

  it('a reply already marked sent is never sent again', async () => {
    f.app.internals.worker.setPaused(true);
    const { jobId, messageId, conversationId } = storeInbound('answered before the crash', 900_002);
    const replyId = f.app.internals.conversations.insertOutbound(
      conversationId,
      'text',
      'already delivered',
      messageId,
      Date.now(),
    );
    f.app.internals.jobs.markReady(jobId, replyId, 1, Date.now());
    f.app.internals.conversations.setDelivery(replyId, 'sent', '4242');
    f.app.internals.jobs.markSent(jobId, Date.now());
    await f.app.stop();
    const before = (await sent()).length;
    await f.restart();
    await new Promise((r) => setTimeout(r, 300));
    expect((await sent()).length).toBe(before);
  });

  it('replies of one chat resume in order after restart', async () => {
    f.app.internals.worker.setPaused(true);
    storeInbound('alpha', 900_003);
    storeInbound('beta', 900_004);
    storeInbound('gamma', 900_005);
    await f.app.stop();
    const before = (await sent()).length;
    await f.restart();
    const msgs = await waitFor(async () => ((await sent()).length === before + 3 ? sent() : undefined));
    expect(msgs.slice(before).map((m) => /"(\w+)"/.exec(m.text)?.[1])).toEqual(['alpha', 'beta', 'gamma']);
  });
});
