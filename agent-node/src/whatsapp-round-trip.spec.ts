import type { ErrorBody } from '@enclave/node-protocol';
import { createHmac } from 'node:crypto';
import {
  configureNode,
  startNodeFixture,
  switchProviders,
  type ConfiguredChannels,
  type NodeFixture,
} from './testing/node-fixture';
import { waitFor, jsonOf } from './testing/node-harness';
import { REPLY_TEXT } from './messaging/replies';

describe('WhatsApp round trip (sandbox Graph API → node → Anthropic SDK → sandbox)', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
  });
  afterAll(() => f.close());

  const sent = async () =>
    (await f.sandboxJson('GET', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/sent`)).messages as {
      id: string;
      to: string;
      text: string;
      contextMessageId: string | null;
    }[];
  const count = () => f.app.internals.conversations.counts().messages;
  const webhook = (body: string, signature?: string) =>
    fetch(`${f.nodeUrl}/webhooks/whatsapp/wa-main`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
      body,
    });

  it('answers the hub.challenge verification only with the right verify token', async () => {
    const ok = await fetch(
      `${f.nodeUrl}/webhooks/whatsapp/wa-main?hub.mode=subscribe&hub.verify_token=${ch.whatsapp.verifyToken}&hub.challenge=12345`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('12345');
    // The challenge is the caller's text echoed back: a browser must never read it as HTML.
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    const bad = await fetch(
      `${f.nodeUrl}/webhooks/whatsapp/wa-main?hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=12345`,
    );
    expect(bad.status).toBe(403);
    expect((await jsonOf<ErrorBody>(bad)).error.code).toBe('forbidden');
  });

  it('answers a text message through Anthropic and records status callbacks', async () => {
    const r = await f.sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
      from: '15557654321',
      text: 'Hola!',
    });
    expect(r.delivery.status).toBe(200);
    const msgs = await waitFor(async () => ((await sent()).length === 1 ? sent() : undefined));
    expect(msgs[0]).toMatchObject({
      to: '15557654321',
      text: '(claude-haiku-4-5) Echo: Hola! [1 turns]',
      contextMessageId: r.messageId,
    });
    const reqs = (await f.sandboxJson('GET', '/anthropic/_test/requests')).requests;
    expect(reqs[0].system).toBe('You are a kind assistant.');
    // sandbox sends "sent" then "delivered" callbacks; the node records them on the reply
    await waitFor(() => {
      const row = f.app.internals.db
        .prepare('SELECT delivery_status FROM messages WHERE external_id = ?')
        .get(msgs[0].id) as { delivery_status: string } | undefined;
      return row?.delivery_status === 'delivered';
    });
  });

  it('refuses a wrong or missing X-Hub-Signature-256 with 401 and stores nothing', async () => {
    const before = count();
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: ch.whatsapp.phoneNumberId },
                messages: [{ id: 'wamid.forged', from: '1555000', type: 'text', text: { body: 'forged' } }],
              },
            },
          ],
        },
      ],
    });
    const wrong = await webhook(body, `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`);
    expect(wrong.status).toBe(401);
    expect((await jsonOf<ErrorBody>(wrong)).error).toMatchObject({ code: 'unauthorized' });
    expect((await webhook(body)).status).toBe(401);
    const tampered = await webhook(
      body.replace('forged', 'FORGED'),
      `sha256=${createHmac('sha256', ch.whatsapp.appSecret).update(body).digest('hex')}`,
    );
    expect(tampered.status).toBe(401);
    expect(count()).toBe(before);
  });

  it('stores and answers a duplicated message once', async () => {
    const before = (await sent()).length;
    const r = await f.sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
      from: '15550000001',
      text: 'once please',
    });
    const again = await f.sandboxJson(
      'POST',
      `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages/${encodeURIComponent(r.messageId)}/redeliver`,
    );
    expect(again.delivery.status).toBe(200);
    await waitFor(async () => (await sent()).length === before + 1);
    await new Promise((res) => setTimeout(res, 300));
    expect((await sent()).length).toBe(before + 1);
    const n = f.app.internals.db
      .prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'in' AND external_id = ?")
      .get(r.messageId) as { n: number };
    expect(n.n).toBe(1);
  });

  it('answers through OpenAI when the channel is switched to the OpenAI agent', async () => {
    await switchProviders(f, ch, 'anthropic', 'openai', 2);
    const before = (await sent()).length;
    await f.sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
      from: '15550000002',
      text: 'via openai',
    });
    const msgs = await waitFor(async () => ((await sent()).length === before + 1 ? sent() : undefined));
    expect(msgs[before].text).toBe('[gpt-4o-mini] You said: "via openai" (1 messages in context)');
  });

  it('answers non-text messages with a short polite reply', async () => {
    const before = (await sent()).length;
    await f.sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
      from: '15550000003',
      type: 'image',
    });
    const msgs = await waitFor(async () => ((await sent()).length === before + 1 ? sent() : undefined));
    expect(msgs[before]).toMatchObject({ to: '15550000003', text: REPLY_TEXT.unsupported });
  });

  it('answers a signed but malformed payload with 422 and stores nothing', async () => {
    const before = count();
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: 'nope' });
    const res = await webhook(body, `sha256=${createHmac('sha256', ch.whatsapp.appSecret).update(body).digest('hex')}`);
    expect(res.status).toBe(422);
    expect((await jsonOf<ErrorBody>(res)).error.code).toBe('validation_failed');
    expect(count()).toBe(before);
  });
});
