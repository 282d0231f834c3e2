import { inboxClient } from '../testing/inbox-client';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import { applyWebhookConfig } from '../testing/webhook-receiver';

interface CaughtMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  authUser: string | null;
  via: string;
}

describe('transcripts mailed by the node through the customer own SMTP credentials (sandbox catcher)', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  let smtpPort: number;
  const transcripts = {
    enabled: true,
    provider: 'smtp',
    from: 'agent@shop.example',
    recipients: ['owner@shop.example', 'sales@shop.example'],
    idleMinutes: 30,
  };
  /** Newest first, as the catcher lists them. */
  const mails = async () =>
    (await (await fetch(`${f.sandbox.url}/mail/messages?to=owner@shop.example`)).json()) as CaughtMail[];
  const sentToTelegram = async () =>
    ((await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as unknown[]).length;
  const write = (chatId: number, text: string) =>
    f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId, text, firstName: 'Grace' });
  const useCredential = async (value: string) => {
    const r = await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/email_provider_credential', { value, scope: 'default' });
    expect(r.status).toBe(200);
  };

  beforeAll(async () => {
    f = await startNodeFixture();
    smtpPort = ((await (await fetch(`${f.sandbox.url}/mail/_info`)).json()) as { smtpPort: number }).smtpPort;
    // The catcher listens on loopback: only a test configuration may allow that address.
    Object.assign(f.config, {
      webhooks: { testAllowHosts: [`127.0.0.1:${smtpPort}`] },
      mail: { resendBaseUrl: `${f.sandbox.url}/mail/resend`, postmarkBaseUrl: `${f.sandbox.url}/mail/postmark` },
    });
    await f.app.stop();
    await f.restart();
    ch = await configureNode(f);
    await useCredential(`smtp://shop-owner:${encodeURIComponent('s3cret/pass')}@127.0.0.1:${smtpPort}`);
    await applyWebhookConfig(f, 2, [], {}, { transcripts });
  });
  afterAll(() => f.close());

  it('a resolved conversation is mailed once to the chosen addresses, logged in with the customer credentials', async () => {
    await write(501, 'My parcel 77 never arrived');
    await waitFor(async () => (await sentToTelegram()) === 1);
    const id = (f.app.internals.db.prepare('SELECT id FROM conversations').get() as { id: string }).id;
    const member = inboxClient(f, f.cp.session(f.config.nodeId, 'member'));
    await member.json('PATCH', `/v1/inbox/conversations/${id}`, { status: 'resolved' });

    expect(await f.app.internals.transcripts.runDue()).toBe(1);
    const [mail] = await waitFor(async () => ((await mails()).length === 1 ? mails() : undefined));
    expect(mail).toMatchObject({
      from: 'agent@shop.example',
      to: ['owner@shop.example', 'sales@shop.example'],
      authUser: 'shop-owner',
    });
    expect(mail.subject).toContain('Telegram');
    expect(mail.text).toContain('Grace: My parcel 77 never arrived');
    expect(mail.text).toContain('Agent: [gpt-4o-mini]');
    expect(mail.text).toContain('Sent because the conversation was resolved.');

    expect(await f.app.internals.transcripts.runDue()).toBe(0);
    expect(await mails()).toHaveLength(1);
  });

  it('a conversation quiet for the configured time is mailed once', async () => {
    await write(502, 'Do you ship to Norway?');
    await waitFor(async () => (await sentToTelegram()) === 2);
    const t = f.app.internals.transcripts;
    expect(await t.runDue(Date.now() + 10 * 60_000)).toBe(0); // not quiet long enough
    expect(await t.runDue(Date.now() + 31 * 60_000)).toBe(1);
    expect(await t.runDue(Date.now() + 62 * 60_000)).toBe(0);
    const all = await waitFor(async () => ((await mails()).length === 2 ? mails() : undefined));
    expect(all[0].text).toContain('Sent because the conversation went quiet.');
    expect(all[0].text).toContain('Do you ship to Norway?');
  });

  it('an SMTP host on a private address is refused (a final failure, nothing sent)', async () => {
    await useCredential('smtp://user:pass@10.20.30.40:25');
    await write(503, 'Private?');
    await waitFor(async () => (await sentToTelegram()) === 3);
    expect(await f.app.internals.transcripts.runDue(Date.now() + 31 * 60_000)).toBe(0);
    const row = f.app.internals.db
      .prepare('SELECT status, last_error AS lastError FROM transcript_mails ORDER BY id DESC LIMIT 1')
      .get();
    expect(row).toEqual({ status: 'failed', lastError: 'private_address' });
  });

  it.each([
    ['resend', 're_live_4f7d2c9a1b'],
    ['postmark', '1b7c3e9a-2f4d-4c8e-9a1b-5d6e7f8a9b0c'],
  ])('through %s: the same transcript goes out over the provider API with the customer key', async (provider, key) => {
    await useCredential(key);
    await applyWebhookConfig(
      f,
      provider === 'resend' ? 3 : 4,
      [],
      {},
      {
        transcripts: { ...transcripts, provider, recipients: [`${provider}@shop.example`], idleMinutes: null },
      },
    );
    const chat = provider === 'resend' ? 504 : 505;
    await write(chat, `Question for ${provider}`);
    await waitFor(async () => (await sentToTelegram()) === (provider === 'resend' ? 4 : 5));
    const id = (
      f.app.internals.db.prepare('SELECT id FROM conversations ORDER BY created_at DESC LIMIT 1').get() as {
        id: string;
      }
    ).id;
    const member = inboxClient(f, f.cp.session(f.config.nodeId, 'member'));
    await member.json('PATCH', `/v1/inbox/conversations/${id}`, { status: 'resolved' });
    expect(await f.app.internals.transcripts.runDue()).toBe(1);
    const got = (await (
      await fetch(`${f.sandbox.url}/mail/messages?to=${provider}@shop.example`)
    ).json()) as CaughtMail[];
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ via: provider, from: 'agent@shop.example' });
    expect(got[0].text).toContain(`Grace: Question for ${provider}`);
  });
});
