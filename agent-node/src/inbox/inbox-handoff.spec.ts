import { DEFAULT_INBOX_SETTINGS } from './inbox-settings';
import {
  configureNode,
  startNodeFixture,
  switchProviders,
  type ConfiguredChannels,
  type NodeFixture,
} from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import { inboxClient, type InboxClient } from '../testing/inbox-client';

describe('team inbox: handoff between the agent and people (Telegram stand-in, real node)', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  let member: InboxClient;
  const chatId = 7001;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
    member = inboxClient(f, f.cp.session(f.config.nodeId, 'member', { userId: 'user-ada' }));
  });
  afterAll(() => f.close());

  const sent = async () =>
    (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as { text: string }[];
  const endUserWrites = (text: string) =>
    f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId, text, firstName: 'Grace' });
  const sentCount = async (n: number) => waitFor(async () => ((await sent()).length === n ? sent() : undefined));
  const conversationId = async () => (await member.json('GET', '/v1/inbox/conversations')).conversations[0].id;
  const lastJob = () =>
    f.app.internals.db
      .prepare("SELECT state, last_error AS lastError FROM reply_jobs WHERE origin = 'agent' ORDER BY id DESC LIMIT 1")
      .get() as { state: string; lastError: string | null };

  it('asking for a human hands the conversation to people, tells the end user and notifies the control plane', async () => {
    await endUserWrites('Hello there');
    await sentCount(1);
    await endUserWrites('Can I talk to a human please?');
    const messages = await sentCount(2);
    expect(messages[1].text).toBe(DEFAULT_INBOX_SETTINGS.handoffMessage);

    const list = await member.json('GET', '/v1/inbox/conversations?handler=human&status=open');
    expect(list.conversations).toHaveLength(1);
    expect(list.conversations[0]).toMatchObject({
      handler: 'human',
      status: 'open',
      contact: { name: 'Grace' },
      language: 'en',
      channel: { type: 'telegram' },
      unread: 2,
    });

    expect(await f.app.internals.heartbeat.beat()).toBe(true);
    const beat = f.cp.heartbeats.at(-1)!;
    expect(beat.counters.handoffs).toBe(1);
    expect(beat.inboxNotices).toEqual([
      expect.objectContaining({
        type: 'handoff_requested',
        conversationId: list.conversations[0].id,
        actorUserId: null,
      }),
    ]);
    // Acknowledged notices are not sent again.
    await f.app.internals.heartbeat.beat();
    expect(f.cp.heartbeats.at(-1)!.inboxNotices).toEqual([]);
  });

  it('a member replies through the channel; the agent stays silent while people own the conversation', async () => {
    const id = await conversationId();
    const reply = await member.call('POST', `/v1/inbox/conversations/${id}/messages`, { text: 'Hi Grace, Ada here.' });
    expect(reply.status).toBe(202);
    expect((await sentCount(3))[2].text).toBe('Hi Grace, Ada here.');

    await endUserWrites('Thanks Ada, my order is late');
    await waitFor(async () => (lastJob().lastError === 'handled_by_people' ? true : undefined));
    expect(await sent()).toHaveLength(3);

    const thread = await member.json('GET', `/v1/inbox/conversations/${id}`);
    expect(thread.conversation).toMatchObject({ handler: 'human', assigneeId: 'user-ada', unread: 0 });
    expect(thread.messages.map((m: { author: string }) => m.author)).toEqual([
      'end_user',
      'agent',
      'end_user',
      'agent', // the handoff notice, sent by the node
      'human',
      'end_user',
    ]);
  });

  it('a reply job queued before a takeover is never sent; after hand back the agent answers again', async () => {
    const id = await conversationId();
    await member.call('POST', `/v1/inbox/conversations/${id}/handback`);
    const { worker } = f.app.internals;
    worker.setPaused(true);
    await endUserWrites('Are you there, bot?');
    await waitFor(async () => (lastJob().state === 'pending' ? true : undefined));
    const takeover = await member.call('POST', `/v1/inbox/conversations/${id}/takeover`);
    expect(takeover.status).toBe(200);
    worker.setPaused(false);
    await waitFor(async () => (lastJob().lastError === 'handled_by_people' ? true : undefined));
    expect(await sent()).toHaveLength(3);

    await member.call('POST', `/v1/inbox/conversations/${id}/handback`);
    await endUserWrites('Back to the bot');
    const messages = await sentCount(4);
    expect(messages[3].text).toContain('Back to the bot');
    expect((await member.json('GET', `/v1/inbox/conversations/${id}`)).conversation.handler).toBe('agent');
  });

  it('the model hands over by calling its handoff tool (OpenAI and Anthropic tool calls)', async () => {
    const requests = async (provider: string) =>
      (await f.sandboxJson('GET', `/${provider}/_test/requests`)).requests as unknown as { tools?: string[] }[];
    await f.sandboxJson('POST', '/openai/_test/tool-calls', { name: 'handoff_to_human', input: { reason: 'refund' } });
    const before = (await sent()).length;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 7002,
      text: 'Refund me',
    });
    const messages = await sentCount(before + 1);
    expect(messages[before].text).toBe(DEFAULT_INBOX_SETTINGS.handoffMessage);
    expect((await requests('openai')).at(-1)?.tools).toEqual(['handoff_to_human']);
    const handed = await member.json('GET', '/v1/inbox/conversations?handler=human');
    expect(handed.conversations.map((c) => c.contact.name)).toContain('Test User');
    expect(lastJob().lastError).toBe('handed_off');

    await switchProviders(f, ch, 'anthropic', 'anthropic', 2);
    await f.sandboxJson('POST', '/anthropic/_test/tool-calls', { name: 'handoff_to_human' });
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 7003, text: 'Help!' });
    expect((await sentCount(before + 2))[before + 1].text).toBe(DEFAULT_INBOX_SETTINGS.handoffMessage);
    expect((await requests('anthropic')).at(-1)?.tools).toEqual(['handoff_to_human']);
  });

  it('counts human replies for the usage chart', async () => {
    await f.app.internals.heartbeat.beat();
    const totals = f.cp.heartbeats.reduce((n, b) => n + (b.counters.humanReplies ?? 0), 0);
    expect(totals).toBe(1);
  });
});
