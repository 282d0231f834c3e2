import { createHmac } from 'node:crypto';
import { inboxClient, type InboxClient } from '../testing/inbox-client';
import {
  configureNode,
  setWindowTemplate,
  startNodeFixture,
  type ConfiguredChannels,
  type NodeFixture,
} from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import { WhatsAppClient } from './whatsapp.client';

const HOUR = 3600;
const TEMPLATE = { name: 'reopen_conversation', language: 'en_US' };

type StandInSent = { id: string; to: string; type: 'text' | 'template'; text: string | null; template?: object };
type MessageRow = { id: number; direction: 'in' | 'out'; kind: string; text: string | null } & {
  [column in 'author_id' | 'delivery_status' | 'external_id']: string | null;
};

/**
 * WhatsApp's 24-hour customer-service window, end to end against the Cloud API stand-in (which
 * refuses a late free-form text with 131047, like Meta): the window runs from the message's own
 * timestamp; outside it the channel's template goes instead, or nothing (`window_closed`, counted);
 * agent replies, team replies and a 131047 answer all take the same way.
 */
describe('WhatsApp customer-service window', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  let team: InboxClient;
  let sendText: jest.SpyInstance;
  let sendTemplate: jest.SpyInstance;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
    team = inboxClient(f, f.cp.session(f.config.nodeId, 'member', { userId: 'user-ana' }));
    sendText = jest.spyOn(WhatsAppClient.prototype, 'sendText');
    sendTemplate = jest.spyOn(WhatsAppClient.prototype, 'sendTemplate');
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await f.close();
  });
  beforeEach(() => {
    sendText.mockClear();
    sendTemplate.mockClear();
  });

  const numberPath = () => `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}`;
  const sent = async () => (await f.sandboxJson('GET', `${numberPath()}/sent`)).messages as unknown as StandInSent[];
  /** The end user writes; `hoursAgo` backdates the message's own timestamp. */
  const userWrites = (from: string, text: string, hoursAgo = 0) =>
    f.sandboxJson('POST', `${numberPath()}/messages`, {
      from,
      text,
      timestamp: Math.floor(Date.now() / 1000) - hoursAgo * HOUR,
    });
  const db = () => f.app.internals.db;
  const conversationOf = (from: string) => {
    const c = f.app.internals.conversations.findConversation('wa-main', from);
    if (!c) throw new Error(`no conversation with ${from}`);
    return c;
  };
  const messagesOf = (conversationId: string) =>
    db()
      .prepare(
        'SELECT id, direction, kind, text, author_id, delivery_status, external_id FROM messages WHERE conversation_id = ? ORDER BY id',
      )
      .all(conversationId) as MessageRow[];
  const jobsOf = (conversationId: string) =>
    db()
      .prepare(
        'SELECT origin, state, send_attempts AS sendAttempts, last_error AS lastError FROM reply_jobs WHERE conversation_id = ? ORDER BY id',
      )
      .all(conversationId) as { origin: string; state: string; sendAttempts: number; lastError: string | null }[];
  /** No reply job is open any more (each one sent, skipped or failed). */
  const idle = () => waitFor(() => f.app.internals.jobs.nextDueAt() === undefined);
  const windowClosedCount = () => f.app.internals.counters.snapshot()['whatsapp.window_closed'] ?? 0;
  /** A webhook as Meta signs it, straight to the node (the stand-in never hears of this user). */
  const signedWebhook = (value: Record<string, unknown>) => {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            { field: 'messages', value: { metadata: { phone_number_id: ch.whatsapp.phoneNumberId }, ...value } },
          ],
        },
      ],
    });
    return fetch(`${f.nodeUrl}/webhooks/whatsapp/wa-main`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', ch.whatsapp.appSecret).update(body).digest('hex')}`,
      },
      body,
    });
  };

  it('inside the window (23 h after the message was written) replies go out as written', async () => {
    const before = (await sent()).length;
    await userWrites('15550100001', 'still in time', 23);
    const out = await waitFor(async () => ((await sent()).length === before + 1 ? (await sent())[before] : undefined));
    expect(out).toMatchObject({ to: '15550100001', type: 'text', text: expect.stringContaining('still in time') });
    await idle();
    expect(sendText).toHaveBeenCalledTimes(1);
    expect(sendTemplate).not.toHaveBeenCalled();
    const { lastInboundAt } = conversationOf('15550100001');
    expect(Date.now() - (lastInboundAt as number)).toBeGreaterThan(23 * HOUR * 1000 - 5_000);
  });

  it('outside it, with no template: nothing is sent, the reply is window_closed, counted and reported', async () => {
    const before = (await sent()).length;
    const counted = windowClosedCount();
    await userWrites('15550100002', 'yesterday’s question', 25);
    await waitFor(() =>
      messagesOf(conversationOf('15550100002').id).some((m) => m.delivery_status === 'window_closed'),
    );
    await idle();
    expect(sendText).not.toHaveBeenCalled();
    expect(sendTemplate).not.toHaveBeenCalled();
    expect(await sent()).toHaveLength(before);
    const conversation = conversationOf('15550100002');
    expect(messagesOf(conversation.id).map((m) => [m.direction, m.delivery_status])).toEqual([
      ['in', null],
      ['out', 'window_closed'],
    ]);
    expect(jobsOf(conversation.id)).toEqual([
      { origin: 'agent', state: 'skipped', sendAttempts: 1, lastError: 'window_closed' },
    ]);
    expect(windowClosedCount()).toBe(counted + 1);
    expect(await f.app.internals.heartbeat.beat()).toBe(true);
    expect(f.cp.heartbeats.at(-1)?.counters.channels.whatsapp.windowClosed).toBe(counted + 1);
    expect(windowClosedCount()).toBe(0); // acknowledged
  });

  it('a team reply outside the window is accepted and takes the same way (no 409, nothing sent)', async () => {
    const conversation = conversationOf('15550100002');
    const before = (await sent()).length;
    const reply = await team.call('POST', `/v1/inbox/conversations/${conversation.id}/messages`, {
      text: 'Sorry for the wait!',
    });
    expect(reply.status).toBe(202);
    await idle();
    expect(sendText).not.toHaveBeenCalled();
    expect(await sent()).toHaveLength(before);
    expect(messagesOf(conversation.id).at(-1)).toMatchObject({
      author_id: 'user-ana',
      delivery_status: 'window_closed',
    });
    expect(windowClosedCount()).toBe(1);
  });

  it('outside it, with a template configured: the template goes instead — once for a burst of messages', async () => {
    await setWindowTemplate(f, ch, TEMPLATE, 2);
    const before = (await sent()).length;
    await userWrites('15550100003', 'are you there?', 26);
    const out = await waitFor(async () => ((await sent()).length === before + 1 ? (await sent())[before] : undefined));
    expect(out).toMatchObject({ to: '15550100003', type: 'template', template: TEMPLATE, text: null });
    await idle();
    expect(sendText).not.toHaveBeenCalled();
    const conversation = conversationOf('15550100003');
    expect(conversation.windowTemplateAt).not.toBeNull();
    const [, reply, notice] = messagesOf(conversation.id);
    expect(reply).toMatchObject({
      direction: 'out',
      kind: 'text',
      delivery_status: 'window_closed',
      external_id: null,
    });
    expect(notice).toMatchObject({
      kind: 'notice',
      text: 'WhatsApp template "reopen_conversation" (en_US)',
      external_id: out.id,
    });
    // The stand-in's status callbacks land on the template's row.
    await waitFor(() => messagesOf(conversation.id)[2].delivery_status === 'delivered');

    // A team reply right after: the window is still closed, and one template is enough.
    await team.json('POST', `/v1/inbox/conversations/${conversation.id}/messages`, { text: 'Here to help' });
    await idle();
    expect(await sent()).toHaveLength(before + 1);
    expect(sendTemplate).toHaveBeenCalledTimes(1);
    expect(messagesOf(conversation.id).at(-1)).toMatchObject({
      text: 'Here to help',
      delivery_status: 'window_closed',
    });

    // The user answers the template: the window is open again, the team's next reply goes out as written.
    await userWrites('15550100003', 'yes, still need help');
    await waitFor(() => messagesOf(conversation.id).at(-1)?.direction === 'in');
    await team.json('POST', `/v1/inbox/conversations/${conversation.id}/messages`, { text: 'Great, tell me more' });
    await waitFor(async () => ((await sent()).length === before + 2 ? true : undefined));
    expect((await sent())[before + 1]).toMatchObject({ type: 'text', text: 'Great, tell me more' });
  });

  it('a 131047 answer (the API sees the window closed) sends the template, and is never retried', async () => {
    // The node got a fresh message the Cloud API does not know of: the node thinks the window is open.
    const before = (await sent()).length;
    const now = String(Math.floor(Date.now() / 1000));
    const res = await signedWebhook({
      contacts: [{ wa_id: '15550100004', profile: { name: 'Mo' } }],
      messages: [
        { id: 'wamid.window-test-1', from: '15550100004', timestamp: now, type: 'text', text: { body: 'hi' } },
      ],
    });
    expect(res.status).toBe(200);
    const out = await waitFor(async () => ((await sent()).length === before + 1 ? (await sent())[before] : undefined));
    expect(out).toMatchObject({ to: '15550100004', type: 'template', template: TEMPLATE });
    await idle();
    expect(sendText).toHaveBeenCalledTimes(1);
    const conversation = conversationOf('15550100004');
    expect(jobsOf(conversation.id)).toEqual([
      { origin: 'agent', state: 'skipped', sendAttempts: 1, lastError: 'window_closed' },
    ]);
  });

  it('without a template a 131047 answer records window_closed, not a failure, and is not retried', async () => {
    await setWindowTemplate(f, ch, undefined, 3);
    const before = (await sent()).length;
    const failures = f.app.internals.counters.snapshot()['whatsapp.failures'] ?? 0;
    const counted = windowClosedCount();
    await signedWebhook({
      messages: [
        {
          id: 'wamid.window-test-2',
          from: '15550100005',
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: 'hello?' },
        },
      ],
    });
    await waitFor(() => f.app.internals.conversations.findConversation('wa-main', '15550100005'));
    await waitFor(() =>
      messagesOf(conversationOf('15550100005').id).some((m) => m.delivery_status === 'window_closed'),
    );
    await idle();
    await new Promise((r) => setTimeout(r, 200)); // a retry would have been scheduled by now
    expect(sendText).toHaveBeenCalledTimes(1);
    expect(await sent()).toHaveLength(before);
    expect(jobsOf(conversationOf('15550100005').id)[0]).toMatchObject({ state: 'skipped', lastError: 'window_closed' });
    expect(windowClosedCount()).toBe(counted + 1);
    expect(f.app.internals.counters.snapshot()['whatsapp.failures'] ?? 0).toBe(failures);
  });

  it('a handoff notice outside the window takes the same way', async () => {
    const before = (await sent()).length;
    await userWrites('15550100006', 'I want a real person', 30);
    await waitFor(() => jobsOf(conversationOf('15550100006').id).length === 2);
    await idle();
    const conversation = conversationOf('15550100006');
    expect(conversation.handler).toBe('human');
    expect(messagesOf(conversation.id).map((m) => [m.kind, m.delivery_status])).toEqual([
      ['text', null],
      ['notice', 'window_closed'],
    ]);
    expect(sendText).not.toHaveBeenCalled();
    expect(await sent()).toHaveLength(before);
  });

  it('a 131047 reported later in a status callback marks the message window_closed, counted once', async () => {
    const conversation = conversationOf('15550100001');
    const reply = messagesOf(conversation.id).find((m) => m.direction === 'out') as MessageRow;
    const counted = windowClosedCount();
    const failed = {
      statuses: [
        {
          id: reply.external_id,
          status: 'failed',
          timestamp: String(Math.floor(Date.now() / 1000)),
          errors: [{ code: 131047 }],
        },
      ],
    };
    expect((await signedWebhook(failed)).status).toBe(200);
    expect((await signedWebhook(failed)).status).toBe(200); // Meta repeats callbacks
    expect(messagesOf(conversation.id).find((m) => m.id === reply.id)?.delivery_status).toBe('window_closed');
    expect(windowClosedCount()).toBe(counted + 1);
  });
});
