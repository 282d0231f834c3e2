import nodemailer from 'nodemailer';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { type CaughtMessage, mailStandIn } from './mail.stand-in';

describe('SMTP catcher stand-in', () => {
  let sandbox: RunningSandbox;
  let smtpPort: number;

  beforeAll(async () => {
    sandbox = await startSandbox([mailStandIn({ smtpPort: 0, maxMessageBytes: 64 * 1024 })], 0);
    const info = (await (await fetch(`${sandbox.url}/mail/_info`)).json()) as { smtpPort: number };
    smtpPort = info.smtpPort;
  });
  afterAll(() => sandbox.close());

  const transport = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });

  it('catches what nodemailer sends and serves it over HTTP', async () => {
    expect(smtpPort).toBeGreaterThan(0);
    const sent = await transport().sendMail({
      from: 'Enclave <no-reply@enclave.test>',
      to: 'Alice <alice@example.com>',
      bcc: 'audit@enclave.test',
      subject: 'Your sign-in link',
      text: 'Open https://enclave.test/magic?token=abc',
      html: '<p>Open <a href="https://enclave.test/magic?token=abc">this link</a></p>',
    });
    expect(sent.accepted).toEqual(['alice@example.com', 'audit@enclave.test']);

    const list = (await (await fetch(`${sandbox.url}/mail/messages?to=ALICE@example.com`)).json()) as CaughtMessage[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      from: 'no-reply@enclave.test',
      to: ['alice@example.com', 'audit@enclave.test'],
      subject: 'Your sign-in link',
      text: 'Open https://enclave.test/magic?token=abc',
    });
    expect(list[0].html).toContain('href="https://enclave.test/magic?token=abc"');
    // Bcc recipients see the message too (envelope), but not in the headers.
    expect(await (await fetch(`${sandbox.url}/mail/messages?to=audit@enclave.test`)).json()).toHaveLength(1);
    expect(list[0].headerTo).toEqual(['alice@example.com']);

    const one = await fetch(`${sandbox.url}/mail/messages/${list[0].id}`);
    expect(((await one.json()) as CaughtMessage).subject).toBe('Your sign-in link');
    const raw = await fetch(`${sandbox.url}/mail/messages/${list[0].id}/raw`);
    expect(await raw.text()).toContain('Subject: Your sign-in link');

    expect(await (await fetch(`${sandbox.url}/mail/messages?to=nobody@example.com`)).json()).toEqual([]);
    const missing = await fetch(`${sandbox.url}/mail/messages/msg_nope`);
    expect(missing.status).toBe(404);

    const cleared = await fetch(`${sandbox.url}/mail/messages`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ deleted: 1 });
    expect(await (await fetch(`${sandbox.url}/mail/messages`)).json()).toEqual([]);
  });

  it('accepts any credentials when the client authenticates', async () => {
    const withAuth = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'smtp-user', pass: 'whatever' },
    });
    await withAuth.sendMail({ from: 'a@enclave.test', to: 'auth@example.com', subject: 'authed', text: 'hi' });
    expect(await (await fetch(`${sandbox.url}/mail/messages?to=auth@example.com`)).json()).toHaveLength(1);
    await fetch(`${sandbox.url}/mail/messages`, { method: 'DELETE' });
  });

  it('refuses oversized messages with an SMTP 552 and keeps nothing', async () => {
    await expect(
      transport().sendMail({
        from: 'a@enclave.test',
        to: 'b@example.com',
        subject: 'big',
        text: 'x'.repeat(200 * 1024),
      }),
    ).rejects.toMatchObject({ responseCode: 552 });
    expect(await (await fetch(`${sandbox.url}/mail/messages`)).json()).toEqual([]);
  });
});
