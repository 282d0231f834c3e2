import type { WebhookEndpointConfig, WebhookEventType } from '@enclave/node-protocol';
import { WEBHOOK_EVENT_TYPES } from '@enclave/node-protocol';
import { inboxClient } from '../testing/inbox-client';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import {
  applyWebhookConfig,
  newSigningSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../testing/webhook-receiver';
import { JITTER, MAX_ATTEMPTS, RETRY_DELAYS_MS } from './retry-schedule';

describe('outbound webhooks (real node, Telegram stand-in, loopback receiver verifying with standardwebhooks)', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  let receiver: WebhookReceiver;
  let revision = 10;
  const chatId = 4242;

  const endpoint = (id: string, url: string, events: readonly WebhookEventType[] = WEBHOOK_EVENT_TYPES) =>
    ({
      id,
      url,
      events: [...events],
      enabled: true,
      updatedAt: `2026-12-01T00:00:0${revision % 10}Z`,
    }) satisfies WebhookEndpointConfig;

  const configure = async (endpoints: WebhookEndpointConfig[], secrets: Record<string, string> = {}) => {
    revision += 1;
    await applyWebhookConfig(f, revision, endpoints, secrets);
  };

  const webhooks = () => f.app.internals.webhooks;
  const db = () => f.app.internals.db;
  const sentToTelegram = async () =>
    ((await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as unknown[]).length;
  const endUserWrites = (text: string) =>
    f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId, text, firstName: 'Grace' });
  const deliveries = (endpointId: string) =>
    db()
      .prepare(
        'SELECT id, event_type AS type, status, attempts, last_status AS lastStatus, last_error AS lastError FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY rowid',
      )
      .all(endpointId) as {
      id: string;
      type: string;
      status: string;
      attempts: number;
      lastStatus: number | null;
      lastError: string | null;
    }[];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    f = await startNodeFixture({
      webhooks: { testAllowHosts: [receiver.hostPort], timeoutMs: 1_000, maxResponseBytes: 1_024 },
    });
    ch = await configureNode(f);
  });
  afterAll(async () => {
    await f.close();
    await receiver.close();
  });

  it('sends each pipeline event once, signed so that the official standardwebhooks package verifies it', async () => {
    await configure([endpoint('ep-main', receiver.url)], { 'ep-main': receiver.secret });
    await endUserWrites('Hello, where is my order 1234?');
    await waitFor(async () => (await sentToTelegram()) === 1);
    await endUserWrites('Can I talk to a human please?');
    await waitFor(async () => (await sentToTelegram()) === 2);
    await webhooks().sender.runDue();

    const conversationId = (db().prepare('SELECT id FROM conversations').get() as { id: string }).id;
    const member = inboxClient(f, f.cp.session(f.config.nodeId, 'member', { userId: 'user-ada' }));
    await member.json('PATCH', `/v1/inbox/conversations/${conversationId}`, { status: 'resolved' });
    await webhooks().sender.runDue();

    const got = receiver.verified();
    expect(receiver.received.length).toBe(got.length); // every request verified
    expect(got.map((r) => r.type)).toEqual([
      'conversation.started',
      'message.received',
      'message.sent',
      'message.received',
      'conversation.handoff_requested',
      'message.sent',
      'conversation.resolved',
    ]);
    expect(new Set(got.map((r) => r.id)).size).toBe(7);
    expect(got[5].payload.data.message).toMatchObject({ kind: 'notice', from: 'agent' });
    expect(got[4].payload.data.conversation).toMatchObject({ handler: 'human' });
    const received = got[1].payload.data;
    expect(received.conversation).toMatchObject({ id: conversationId, channelId: 'tg-main', channelType: 'telegram' });
    expect(received.message).toMatchObject({
      direction: 'in',
      text: 'Hello, where is my order 1234?',
      from: 'contact',
    });
    expect(got[2].payload.data.message).toMatchObject({ direction: 'out', from: 'agent' });
    expect(deliveries('ep-main').every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    // The agent answers this chat again in the next tests.
    db().prepare("UPDATE conversations SET handler = 'agent' WHERE id = ?").run(conversationId);
  });

  it('a receiver answering 500 gets the Standard Webhooks schedule (injected clock), the same webhook-id each time, then the delivery fails', async () => {
    receiver.received.length = 0;
    receiver.script = { status: 500 };
    await configure([endpoint('ep-main', receiver.url, ['conversation.resolved'])]);
    const conversationId = (db().prepare('SELECT id FROM conversations').get() as { id: string }).id;
    db().prepare("UPDATE conversations SET status = 'open' WHERE id = ?").run(conversationId);
    db().prepare("UPDATE conversations SET status = 'resolved' WHERE id = ?").run(conversationId);

    let now = Date.parse('2026-12-01T10:00:00Z');
    webhooks().clock.now = () => now;
    try {
      await webhooks().sender.runDue();
      expect(receiver.received).toHaveLength(1);
      const times = [now];
      for (const delay of RETRY_DELAYS_MS) {
        // Not before the earliest jittered time …
        now = times[times.length - 1] + Math.floor(delay * (1 - JITTER)) - 1;
        await webhooks().sender.runDue();
        expect(receiver.received).toHaveLength(times.length);
        // … and by the latest.
        const next = db()
          .prepare("SELECT next_attempt_at AS at FROM webhook_deliveries WHERE status = 'pending'")
          .get() as { at: number };
        expect(next.at - times[times.length - 1]).toBeGreaterThanOrEqual(Math.floor(delay * (1 - JITTER)));
        expect(next.at - times[times.length - 1]).toBeLessThanOrEqual(Math.ceil(delay * (1 + JITTER)));
        now = next.at;
        await webhooks().sender.runDue();
        times.push(now);
        expect(receiver.received).toHaveLength(times.length);
      }
      expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
      const [failed] = deliveries('ep-main').filter(
        (d) => d.type === 'conversation.resolved' && d.status !== 'delivered',
      );
      expect(failed).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatus: 500 });
      const totalHours = (times[times.length - 1] - times[0]) / 3_600_000;
      expect(totalHours).toBeGreaterThan(24);
      expect(totalHours).toBeLessThan(31);

      // Replay from the dashboard (admin node session): queued again, same webhook-id.
      receiver.script = { status: 200 };
      const admin = inboxClient(f, f.cp.session(f.config.nodeId, 'admin'));
      const member = inboxClient(f, f.cp.session(f.config.nodeId, 'member'));
      expect((await member.call('POST', `/v1/webhooks/deliveries/${failed.id}/replay`)).status).toBe(403);
      const replay = await admin.call('POST', `/v1/webhooks/deliveries/${failed.id}/replay`);
      expect(replay.status).toBe(202);
      await webhooks().sender.runDue();
      expect(receiver.received.at(-1)!.id).toBe(failed.id);
      const log = await member.json('GET', '/v1/webhooks/endpoints/ep-main/deliveries');
      expect(
        (log as unknown as { deliveries: { id: string; status: string; attempts: number }[] }).deliveries[0],
      ).toMatchObject({
        id: failed.id,
        status: 'delivered',
        attempts: MAX_ATTEMPTS + 1,
      });
    } finally {
      webhooks().clock.now = () => Date.now();
    }
  });

  it('a 4xx fails at once; 410 Gone disables the endpoint and the control plane hears of it with the next heartbeat', async () => {
    receiver.received.length = 0;
    receiver.script = { status: 404 };
    await configure([endpoint('ep-main', receiver.url, ['message.received'])]);
    await endUserWrites('first');
    await waitFor(async () => (await sentToTelegram()) === 3);
    await webhooks().sender.runDue();
    expect(deliveries('ep-main').at(-1)).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 404 });

    receiver.script = { status: 410 };
    await endUserWrites('second');
    await waitFor(async () => (await sentToTelegram()) === 4);
    await webhooks().sender.runDue();
    expect(deliveries('ep-main').at(-1)).toMatchObject({ status: 'failed', lastStatus: 410 });
    const ep = webhooks().endpoints.endpoint('ep-main')!;
    expect(ep.nodeDisabledAt).not.toBeNull();

    // Nothing more is queued for it while it is disabled.
    await endUserWrites('third');
    await waitFor(async () => (await sentToTelegram()) === 5);
    await webhooks().sender.runDue();
    expect(receiver.received).toHaveLength(2);

    expect(await f.app.internals.heartbeat.beat()).toBe(true);
    expect(f.cp.heartbeats.at(-1)!.webhookNotices).toEqual([
      expect.objectContaining({ type: 'endpoint_disabled', endpointId: 'ep-main', status: 410 }),
    ]);
    await f.app.internals.heartbeat.beat();
    expect(f.cp.heartbeats.at(-1)!.webhookNotices).toBeUndefined();

    // The same config again keeps it disabled; an edit (new updatedAt) enables it.
    const same = { id: ep.id, url: ep.url, events: ep.events, enabled: true, updatedAt: ep.updatedAt };
    await configure([same]);
    expect(webhooks().endpoints.endpoint('ep-main')!.nodeDisabledAt).not.toBeNull();
    await configure([{ ...same, updatedAt: '2026-12-01T01:00:00Z' }]);
    expect(webhooks().endpoints.endpoint('ep-main')!.nodeDisabledAt).toBeNull();
  });

  it('refuses private, loopback and link-local addresses (also after DNS and redirects), http and slow or huge answers are bounded', async () => {
    receiver.received.length = 0;
    const secret = newSigningSecret();
    await configure(
      [
        endpoint('ep-private', 'https://10.1.2.3/hook', ['message.received']),
        endpoint('ep-metadata', 'https://169.254.169.254/latest/meta-data', ['message.received']),
        endpoint('ep-dns', `https://localhost:${receiver.hostPort.split(':')[1]}/hook`, ['message.received']),
        endpoint('ep-http', 'http://example.com/hook', ['message.received']),
        endpoint('ep-redirect', receiver.url, ['message.received']),
      ],
      {
        'ep-private': secret,
        'ep-metadata': secret,
        'ep-dns': secret,
        'ep-http': secret,
        'ep-redirect': receiver.secret,
      },
    );
    receiver.script = { status: 200, redirectTo: 'https://169.254.169.254/latest/meta-data' };
    await endUserWrites('private?');
    await waitFor(async () => (await sentToTelegram()) === 6);
    await webhooks().sender.runDue();
    expect(deliveries('ep-private')[0]).toMatchObject({ status: 'failed', lastError: 'private_address' });
    expect(deliveries('ep-metadata')[0]).toMatchObject({ status: 'failed', lastError: 'private_address' });
    expect(deliveries('ep-dns')[0]).toMatchObject({ status: 'failed', lastError: 'private_address' });
    expect(deliveries('ep-http')[0]).toMatchObject({ status: 'failed', lastError: 'scheme_refused' });
    expect(deliveries('ep-redirect')[0]).toMatchObject({ status: 'failed', lastError: 'private_address' });
    expect(receiver.received).toHaveLength(1); // only the first hop reached the (allowed) receiver

    // Removing an endpoint dropped its secret; it comes back with its own.
    expect(f.app.internals.secrets.resolve('webhook_signing_secret', 'ep-main')).toBeUndefined();
    // Slow: the attempt times out (1 s in this config) and is retried later; huge: read to the cap.
    await configure([endpoint('ep-main', receiver.url, ['message.received'])], { 'ep-main': receiver.secret });
    receiver.script = { status: 200, delayMs: 3_000 };
    await endUserWrites('slow');
    await waitFor(async () => (await sentToTelegram()) === 7);
    const started = Date.now();
    await webhooks().sender.runDue();
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(deliveries('ep-main').at(-1)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'timeout' });
    const health = await fetch(`${f.nodeUrl}/healthz`);
    expect(health.ok).toBe(true);

    receiver.script = { status: 200, bodyBytes: 20 * 1024 * 1024 };
    await endUserWrites('huge');
    await waitFor(async () => (await sentToTelegram()) === 8);
    await webhooks().sender.runDue();
    expect(deliveries('ep-main').at(-1)).toMatchObject({ status: 'delivered', lastStatus: 200 });
  });

  it('erasing a conversation takes its content out of the queue and the log: nothing unsent goes out', async () => {
    receiver.received.length = 0;
    receiver.script = { status: 503 };
    await endUserWrites('please forget me');
    await waitFor(async () => (await sentToTelegram()) === 9);
    await webhooks().sender.runDue();
    expect(deliveries('ep-main').at(-1)).toMatchObject({ status: 'pending', lastStatus: 503 });

    const erase = await f.cp.call(f.nodeUrl, 'POST', '/v1/conversations/erase', {
      channelId: 'tg-main',
      externalChatId: String(chatId),
    });
    expect(erase.status).toBe(200);
    const bodies = db()
      .prepare(
        'SELECT status, body FROM webhook_deliveries WHERE conversation_id NOT IN (SELECT id FROM conversations)',
      )
      .all() as { status: string; body: string | null }[];
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.every((b) => b.body === null && b.status !== 'pending')).toBe(true);
    expect(bodies.filter((b) => b.status === 'erased').length).toBeGreaterThan(0);
    receiver.script = { status: 204 };
    webhooks().clock.now = () => Date.now() + 60_000;
    try {
      await webhooks().sender.runDue();
    } finally {
      webhooks().clock.now = () => Date.now();
    }
    expect(receiver.received).toHaveLength(1);
  });

  it('a suspended node sends nothing; what happened meanwhile goes out after resume', async () => {
    receiver.received.length = 0;
    receiver.script = { status: 204 };
    expect((await f.cp.call(f.nodeUrl, 'POST', '/v1/suspend', {})).status).toBe(200);
    await endUserWrites('while suspended');
    await waitFor(() => (db().prepare('SELECT COUNT(*) AS n FROM webhook_events').get() as { n: number }).n > 0);
    expect(await webhooks().sender.runDue()).toBe(0);
    expect(receiver.received).toHaveLength(0);
    expect((await f.cp.call(f.nodeUrl, 'POST', '/v1/resume', {})).status).toBe(200);
    await webhooks().sender.runDue();
    expect(receiver.verified().map((r) => r.type)).toContain('message.received');
  });
});
