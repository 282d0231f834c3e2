import { gunzipSync } from 'node:zlib';
import { OPENAI_TEST_KEY } from '../testing/node-harness';
import { readyExport } from '../testing/export-job';
import { startNodeFixture, type NodeFixture } from '../testing/node-fixture';
import { applyWidgetConfig, readSse } from '../testing/widget-testing';
import { identityHash } from './widget-policy';
import { tokenHash } from './widget.repository';

const SITE = 'http://127.0.0.1:9';
const json = (origin: string | null, body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const message = (text: string) => ({ text, clientId: `c${Math.random().toString(36).slice(2, 12)}` });

describe('website widget on the node', () => {
  let f: NodeFixture;
  const url = (path: string) => `${f.nodeUrl}${path}`;
  const start = (body: unknown, origin: string | null = SITE) =>
    fetch(url('/widget/api/conversations'), json(origin, body));

  beforeAll(async () => {
    f = await startNodeFixture();
    const put = await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/openai_api_key', { value: OPENAI_TEST_KEY });
    expect(put.status).toBe(200);
    await applyWidgetConfig(f, 1, {
      allowedOrigins: [SITE],
      prechat: { name: 'required', email: 'optional', phone: 'off' },
    });
  }, 60_000);
  afterAll(() => f?.close());

  it('serves the loader with an ETag and the frame with frame-ancestors of the allowed origins', async () => {
    const loader = await fetch(url('/widget.js'));
    expect(loader.status).toBe(200);
    const etag = loader.headers.get('etag') as string;
    expect((await fetch(url('/widget.js'), { headers: { 'if-none-match': etag } })).status).toBe(304);
    const frame = await fetch(url('/widget/frame'));
    expect(frame.headers.get('content-security-policy')).toContain(`frame-ancestors ${SITE}`);
    const panel = (await frame.text()).match(/src="([^"]+)"/)?.[1] as string;
    expect((await fetch(url(panel))).headers.get('cache-control')).toContain('immutable');
  });

  it('a visitor starts a conversation, the reply arrives on the stream, and a resume sends only what was missed', async () => {
    const res = await start({ message: message('Hello <b>there</b>'), prechat: { name: 'Ada' } });
    expect(res.status).toBe(201);
    const { conversationId, eventId } = (await res.json()) as { conversationId: string; eventId: number };
    expect(conversationId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const stream = await fetch(url(`/widget/api/conversations/${conversationId}/events`));
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = await readSse(stream, (e) => e.filter((x) => x.event === 'message').length >= 2);
    const stored = events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data));
    expect(stored[0]).toMatchObject({ id: eventId, from: 'visitor', text: 'Hello <b>there</b>' });
    expect(stored[1]).toMatchObject({ from: 'agent', replyTo: stored[0].messageId });
    const resumed = await fetch(url(`/widget/api/conversations/${conversationId}/events`), {
      headers: { 'last-event-id': String(eventId) },
    });
    const again = await readSse(resumed, (e) => e.some((x) => x.event === 'message'), 2_000);
    expect(again.filter((e) => e.event === 'message').map((e) => Number(e.id))).toEqual([stored[1].id]);
    const poll = await fetch(url(`/widget/api/conversations/${conversationId}/poll?after=${stored[1].id}&wait=0`));
    expect(await poll.json()).toEqual({ events: [] });
    const row = f.app.internals.db.prepare('SELECT external_chat_id AS chat FROM conversations').get() as {
      chat: string;
    };
    expect(row.chat).not.toContain(conversationId); // the node keeps the hash only
  });

  it('refuses a wrong origin (403), forged ids (404), oversize and malformed messages (4xx) and a missing pre-chat field', async () => {
    expect((await start({ message: message('hi'), prechat: { name: 'Ada' } }, 'https://evil.example')).status).toBe(
      403,
    );
    expect((await start({ message: message('hi'), prechat: { name: 'Ada' } }, null)).status).toBe(403);
    const forged = 'A'.repeat(32);
    expect((await fetch(url(`/widget/api/conversations/${forged}/events`))).status).toBe(404);
    expect((await fetch(url(`/widget/api/conversations/${forged}/poll?wait=0`))).status).toBe(404);
    expect((await fetch(url(`/widget/api/conversations/${forged}/messages`), json(SITE, message('hi')))).status).toBe(
      404,
    );
    expect((await start({ message: message('x'.repeat(2001)), prechat: { name: 'Ada' } })).status).toBe(413);
    expect((await start('{"message":')).status).toBe(400);
    expect((await start({ message: message('hi') })).status).toBe(422);
    expect(
      (await start({ message: { text: 'hi\u0000', clientId: 'abcdefgh' }, prechat: { name: 'Ada' } })).status,
    ).toBe(422);
  });

  it('limits messages per conversation per minute with a clear 429', async () => {
    await applyWidgetConfig(f, 2, {
      allowedOrigins: [SITE],
      limits: { messagesPerMinute: 2, maxMessageLength: 2000, conversationsPerIpPerDay: 50 },
    });
    const { conversationId } = (await (await start({ message: message('one') })).json()) as { conversationId: string };
    const post = () => fetch(url(`/widget/api/conversations/${conversationId}/messages`), json(SITE, message('more')));
    expect((await post()).status).toBe(201);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(
      ((await refused.json()) as { error: { code: string; details: { retryAfter: number } } }).error,
    ).toMatchObject({
      code: 'rate_limited',
      details: { retryAfter: expect.any(Number) },
    });
  });

  it('enforces identity verification for every conversation once it is on', async () => {
    const before = (await (await start({ message: message('before verification') })).json()) as {
      conversationId: string;
    };
    await applyWidgetConfig(f, 3, { allowedOrigins: [SITE], identityVerification: true });
    // A conversation that started without a verified user cannot go on once verification is on.
    expect((await fetch(url(`/widget/api/conversations/${before.conversationId}/events`))).status).toBe(403);
    expect(
      (await fetch(url(`/widget/api/conversations/${before.conversationId}/messages`), json(SITE, message('hi'))))
        .status,
    ).toBe(403);
    const secret = 'w'.repeat(43);
    expect(
      (await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/widget_identity_secret', { value: secret, scope: 'web-main' }))
        .status,
    ).toBe(200);
    expect((await start({ message: message('no user') })).status).toBe(403);
    const forged = { userId: 'u-1', userHash: identityHash('u-1', 'x'.repeat(43)) };
    expect((await start({ message: message('forged'), identity: forged })).status).toBe(403);
    const good = { userId: 'u-1', userHash: identityHash('u-1', secret) };
    expect((await start({ message: message('verified'), identity: good })).status).toBe(201);
  });

  it('a long-poll waits for the next event and wakes when it is stored', async () => {
    await applyWidgetConfig(f, 4, { allowedOrigins: [SITE] });
    f.app.internals.worker.setPaused(true); // the reply waits until the poll is waiting
    const res = await start({ message: message('poll me') });
    setTimeout(() => f.app.internals.worker.setPaused(false), 500);
    const { conversationId, eventId } = (await res.json()) as { conversationId: string; eventId: number };
    const started = Date.now();
    const polled = (await (
      await fetch(url(`/widget/api/conversations/${conversationId}/poll?after=${eventId}`))
    ).json()) as { events: { id: number; from: string }[] };
    expect(polled.events[0]).toMatchObject({ from: 'agent' });
    expect(polled.events[0].id).toBeGreaterThan(eventId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('out of hours without the agent: the conversation goes to people and the panel shows the away message', async () => {
    const closed = { timeZone: 'UTC', days: [], awayMessage: 'Back on Monday', agentAnswersOutOfHours: false };
    await applyWidgetConfig(f, 5, { allowedOrigins: [SITE], hours: closed });
    const settings = (await (await fetch(url('/widget/settings'))).json()) as { open: boolean; awayMessage: string };
    expect(settings).toMatchObject({ open: false, awayMessage: 'Back on Monday' });
    const { conversationId } = (await (await start({ message: message('anyone there?') })).json()) as {
      conversationId: string;
    };
    const row = f.app.internals.db
      .prepare(
        'SELECT c.handler FROM conversations c JOIN widget_conversations w ON w.conversation_id = c.id WHERE w.token_hash = ?',
      )
      .get(tokenHash(conversationId)) as { handler: string };
    expect(row.handler).toBe('human');
  });

  it('an erased conversation is gone for the visitor too (404) and leaves no widget rows', async () => {
    await applyWidgetConfig(f, 6, { allowedOrigins: [SITE] });
    const { conversationId } = (await (await start({ message: message('erase me') })).json()) as {
      conversationId: string;
    };
    const internal = f.app.internals.db
      .prepare('SELECT conversation_id AS id FROM widget_conversations WHERE token_hash = ?')
      .get(tokenHash(conversationId)) as { id: string };
    const erased = await f.cp.call(f.nodeUrl, 'POST', '/v1/conversations/erase', { conversationId: internal.id });
    expect(erased.body).toMatchObject({ erased: true });
    expect((await fetch(url(`/widget/api/conversations/${conversationId}/events`))).status).toBe(404);
    const left = f.app.internals.db
      .prepare(
        'SELECT (SELECT COUNT(*) FROM widget_events WHERE conversation_id = ?) + (SELECT COUNT(*) FROM widget_conversations WHERE conversation_id = ?) AS n',
      )
      .get(internal.id, internal.id) as { n: number };
    expect(left.n).toBe(0);
  });

  it('widget conversations are in the node export like any channel', async () => {
    await applyWidgetConfig(f, 7, { allowedOrigins: [SITE] });
    expect((await start({ message: message('export me 9031') })).status).toBe(201);
    const exported = await readyExport(f.cp, f.nodeUrl);
    const archive = gunzipSync(Buffer.from(await (await fetch(exported.url)).arrayBuffer())).toString('utf8');
    expect(archive).toContain('export me 9031');
  });

  it('counts new conversations per visitor address behind the edge, not per proxy', async () => {
    await applyWidgetConfig(f, 8, {
      allowedOrigins: [SITE],
      limits: { messagesPerMinute: 10, maxMessageLength: 2000, conversationsPerIpPerDay: 1 },
    });
    // The node's peer is loopback (the host's TLS terminator, a trusted proxy); the edge names the visitor.
    const from = (visitor: string) =>
      fetch(url('/widget/api/conversations'), {
        ...json(SITE, { message: message('hello') }),
        headers: { 'content-type': 'application/json', origin: SITE, 'x-forwarded-for': visitor },
      });
    expect((await from('203.0.113.5')).status).toBe(201);
    expect((await from('203.0.113.5')).status).toBe(429);
    expect((await from('203.0.113.6')).status).toBe(201);
  });
});
