import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox } from '../sandbox';
import { createWhatsAppStandIn } from './whatsapp.stand-in';

const TOKEN = 'EAAGm0PX4ZCpsBAabcdefghijklmnop';
const APP_SECRET = 'app-secret-for-tests';

describe('WhatsApp Cloud API stand-in', () => {
  let sandbox: RunningSandbox;
  let hook: Server;
  let hookUrl: string;
  const posts: { signature: string; raw: string }[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox([createWhatsAppStandIn()], 0);
    hook = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET') {
        const ok =
          url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === 'vt-123';
        res.writeHead(ok ? 200 : 403);
        res.end(ok ? url.searchParams.get('hub.challenge') : 'no');
        return;
      }
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        posts.push({ signature: String(req.headers['x-hub-signature-256']), raw });
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/wa`;
  });
  afterAll(async () => {
    await sandbox.close();
    hook.closeAllConnections();
    await new Promise<void>((r) => hook.close(() => r()));
  });

  // T: the fields a test reads from the answer (their values are what it asserts).
  const call = <T = unknown>(method: string, path: string, body?: unknown, token = TOKEN) =>
    fetch(`${sandbox.url}/whatsapp${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as T }));

  it('verifies the webhook with hub.challenge before subscribing it', async () => {
    const bad = await call<{ webhookVerified: boolean }>(
      'POST',
      '/_test/phone-numbers',
      { phoneNumberId: '1111111111', appSecret: APP_SECRET, webhookUrl: hookUrl, verifyToken: 'wrong' },
      '',
    );
    expect(bad.body.webhookVerified).toBe(false);
    const good = await call<{ webhookVerified: boolean }>(
      'POST',
      '/_test/phone-numbers',
      { phoneNumberId: '2222222222', appSecret: APP_SECRET, webhookUrl: hookUrl, verifyToken: 'vt-123' },
      '',
    );
    expect(good.body.webhookVerified).toBe(true);
  });

  it('delivers signed message webhooks in the Cloud API shape', async () => {
    const r = await call<{ delivery: { status: number } }>(
      'POST',
      '/_test/phone-numbers/2222222222/messages',
      { from: '15551230000', text: 'hi biz' },
      '',
    );
    expect(r.body.delivery.status).toBe(200);
    const last = posts[posts.length - 1];
    expect(last.signature).toBe(`sha256=${createHmac('sha256', APP_SECRET).update(last.raw).digest('hex')}`);
    const payload = JSON.parse(last.raw);
    expect(payload.object).toBe('whatsapp_business_account');
    expect(payload.entry[0].changes[0]).toMatchObject({
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: { phone_number_id: '2222222222' },
        messages: [{ from: '15551230000', type: 'text', text: { body: 'hi biz' } }],
      },
    });
  });

  it('sends messages, then posts sent/delivered status callbacks', async () => {
    const before = posts.length;
    const r = await call<{ messages: { id: string }[] }>('POST', '/v21.0/2222222222/messages', {
      messaging_product: 'whatsapp',
      to: '15551230000',
      type: 'text',
      text: { body: 'hello back' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      messaging_product: 'whatsapp',
      contacts: [{ input: '15551230000', wa_id: '15551230000' }],
      messages: [{ id: expect.stringMatching(/^wamid\./) }],
    });
    // The callbacks are posted after the answer: wait for both (bounded), not a fixed delay.
    for (let i = 0; i < 200 && posts.length < before + 2; i++) await new Promise((res) => setTimeout(res, 25));
    const statuses = posts.slice(before).map((p) => JSON.parse(p.raw).entry[0].changes[0].value.statuses[0]);
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered']);
    expect(statuses[0].id).toBe(r.body.messages[0].id);
  });

  it('answers Graph API errors: bad token 401/190, unknown number 400/100/33, bad params 400/100', async () => {
    const lookup = await call('GET', '/v21.0/2222222222');
    expect(lookup.body).toMatchObject({
      id: '2222222222',
      display_phone_number: '15550001234',
      quality_rating: 'GREEN',
    });
    const badToken = await call('GET', '/v21.0/2222222222', undefined, 'nope');
    expect(badToken).toMatchObject({ status: 401, body: { error: { type: 'OAuthException', code: 190 } } });
    const unknown = await call('GET', '/v21.0/999');
    expect(unknown).toMatchObject({
      status: 400,
      body: { error: { type: 'GraphMethodException', code: 100, error_subcode: 33 } },
    });
    const badParams = await call<{ error: { fbtrace_id: string } }>('POST', '/v21.0/2222222222/messages', {
      to: '1555',
      type: 'text',
      text: { body: 'x' },
    });
    expect(badParams).toMatchObject({ status: 400, body: { error: { code: 100 } } });
    expect(badParams.body.error.fbtrace_id).toEqual(expect.any(String));
  });
  it('enforces the 24-hour window: a late free-form text is refused with 131047, a template goes out', async () => {
    const dayAndHourAgo = Math.floor(Date.now() / 1000) - 25 * 3600;
    const inbound = await call<{
      payload: { entry: { changes: { value: { messages: { timestamp: string }[] } }[] }[] };
    }>(
      'POST',
      '/_test/phone-numbers/2222222222/messages',
      { from: '15559870000', text: 'yesterday', timestamp: dayAndHourAgo },
      '',
    );
    expect(inbound.body.payload.entry[0].changes[0].value.messages[0].timestamp).toBe(String(dayAndHourAgo));
    const sentBefore = (await call<{ messages: unknown[] }>('GET', '/_test/phone-numbers/2222222222/sent')).body
      .messages.length;
    const text = (to: string) =>
      call<{ error: Record<string, unknown> }>('POST', '/v21.0/2222222222/messages', {
        messaging_product: 'whatsapp',
        to,
        type: 'text',
        text: { body: 'too late' },
      });
    const late = await text('15559870000');
    expect(late).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 131047,
          type: 'OAuthException',
          message: expect.stringContaining('131047'),
          error_data: { details: expect.stringContaining('24 hours') },
          fbtrace_id: expect.any(String),
        },
      },
    });
    // Never wrote at all: no window either.
    expect((await text('15559870001')).body.error.code).toBe(131047);
    const template = await call<{ messages: { id: string }[] }>('POST', '/v21.0/2222222222/messages', {
      messaging_product: 'whatsapp',
      to: '15559870000',
      type: 'template',
      template: { name: 'reopen_conversation', language: { code: 'en_US' } },
    });
    expect(template.status).toBe(200);
    const sent = (await call<{ messages: Record<string, unknown>[] }>('GET', '/_test/phone-numbers/2222222222/sent'))
      .body.messages;
    expect(sent.slice(sentBefore)).toEqual([
      expect.objectContaining({
        id: template.body.messages[0].id,
        to: '15559870000',
        type: 'template',
        template: { name: 'reopen_conversation', language: 'en_US' },
      }),
    ]);
    // A fresh message from the user opens the window again.
    await call('POST', '/_test/phone-numbers/2222222222/messages', { from: '15559870000', text: 'back' }, '');
    expect((await text('15559870000')).status).toBe(200);
  });
});
