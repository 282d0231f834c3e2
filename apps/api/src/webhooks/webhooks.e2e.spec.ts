import { createStandIns, type RunningSandbox, startSandbox } from '@enclave/sandbox';
// Test-only: the customer's receiver, verifying with the official standardwebhooks package.
import { startWebhookReceiver, type WebhookReceiver } from '../../../../agent-node/src/testing/webhook-receiver';
import { waitFor } from '../../test/agent-node-harness';
import { type AgentsWorkspace, alnum, auditActions, startAgentsWorkspace } from '../../test/agents-workspace';
import { databaseDump, leaks, redisDump } from '../../test/leak-scan';

interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  authUser: string | null;
}

/**
 * Webhooks and transcripts end to end: the control plane configures endpoints (signing secret
 * shown once, mask + fingerprint kept) and transcript mail (credential as a secret); the real
 * node sends signed webhooks and mails transcripts itself; a 410 comes back as a heartbeat
 * notice that disables the endpoint and mails the owner; nothing of the content reaches the
 * control plane's database or Redis.
 */
describe('webhooks and transcripts (API + real node + loopback receiver + SMTP catcher)', () => {
  let f: AgentsWorkspace;
  let receiver: WebhookReceiver;
  let catcher: RunningSandbox;
  let smtpPort: number;
  let endpointId: string;
  let signingSecret: string;
  const http = () => f.h.api.http();
  const userText = `my order ${alnum(10)} is late`;
  const smtpPassword = `pw-${alnum(16)}`;
  const chatId = 8181;

  const write = (text: string) =>
    f.h.providersJson('POST', `/telegram/_test/bots/${f.botToken}/updates`, { chatId, firstName: 'Grace', text });
  const mails = async (url: string, to: string) =>
    (await (await fetch(`${url}/mail/messages?to=${encodeURIComponent(to)}`)).json()) as Mail[];
  const inbound = () =>
    Number(
      (
        f.node.app.internals.db.prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'in'").get() as {
          n: number;
        }
      ).n,
    );

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    catcher = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
    smtpPort = ((await (await fetch(`${catcher.url}/mail/_info`)).json()) as { smtpPort: number }).smtpPort;
    const testHosts = [receiver.hostPort, `127.0.0.1:${smtpPort}`];
    f = await startAgentsWorkspace({
      env: { WEBHOOK_TEST_HOSTS: testHosts.join(',') },
      node: { webhooks: { testAllowHosts: testHosts } },
    });
  });
  afterAll(async () => {
    await f?.close();
    await catcher?.close();
    await receiver?.close();
  });

  it('an admin adds an endpoint: the secret is shown once, kept as mask + fingerprint, and the node signs with it', async () => {
    const body = { url: receiver.url, events: ['message.received', 'conversation.resolved'] };
    await http().post(`${f.ws}/webhooks`).set('Cookie', f.memberCookie).send(body).expect(403);
    const created = await http().post(`${f.ws}/webhooks`).set('Cookie', f.adminCookie).send(body).expect(201);
    expect(created.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.body.delivery).toBe('delivered');
    signingSecret = created.body.signingSecret as string;
    endpointId = created.body.endpoint.id as string;
    expect(created.body.endpoint.secret).toMatchObject({ kind: 'webhook_signing_secret', scope: endpointId });
    expect(created.body.endpoint.secret.mask).not.toContain(signingSecret.slice(6, 20));

    const listed = await http().get(`${f.ws}/webhooks`).set('Cookie', f.memberCookie).expect(200);
    expect(listed.body).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(signingSecret);

    receiver.useSecret(signingSecret);
    await write(userText);
    await waitFor(() => inbound() === 1);
    await f.node.app.internals.webhooks.sender.runDue();
    const [got] = receiver.verified();
    expect(got).toMatchObject({ type: 'message.received' });
    expect(got.payload.data.message).toMatchObject({ text: userText, direction: 'in' });
    expect(await auditActions(f.h.api, f.owner.workspaceId)).toEqual(
      expect.arrayContaining(['webhook.endpoint_created', 'secret.stored', 'secret.delivered']),
    );
  });

  it('refuses http, private, loopback, link-local and local-name URLs, and changes nothing', async () => {
    for (const url of [
      'http://example.com/hook',
      'https://10.0.0.8/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.1:8443/hook',
      'https://localhost/hook',
      'https://[::1]/hook',
      'https://user:pass@example.com/hook',
      'not a url',
    ]) {
      const r = await http()
        .post(`${f.ws}/webhooks`)
        .set('Cookie', f.adminCookie)
        .send({ url, events: ['lead.created'] });
      expect({ url, status: r.status, code: r.body.error?.code }).toEqual({
        url,
        status: 400,
        code: 'webhook_url_refused',
      });
    }
    await http()
      .post(`${f.ws}/webhooks`)
      .set('Cookie', f.adminCookie)
      .send({ url: 'https://hooks.example.com/x', events: ['no.such_event'] })
      .expect(400);
    expect((await http().get(`${f.ws}/webhooks`).set('Cookie', f.adminCookie).expect(200)).body).toHaveLength(1);
  });

  it('a 410 from the receiver disables the endpoint on the node and, with the next heartbeat, in the control plane; the owner is mailed', async () => {
    receiver.script = { status: 410 };
    await write('second message');
    await waitFor(() => inbound() === 2);
    await f.node.app.internals.webhooks.sender.runDue();
    expect(await f.node.app.internals.heartbeat.beat()).toBe(true);

    const [endpoint] = (await http().get(`${f.ws}/webhooks`).set('Cookie', f.adminCookie).expect(200)).body;
    expect(endpoint).toMatchObject({ id: endpointId, enabled: false, disabledReason: 'receiver_gone' });
    expect(await auditActions(f.h.api, f.owner.workspaceId)).toContain('webhook.endpoint_disabled');
    const mail = await waitFor(async () =>
      (await mails(f.h.api.sandbox.url, f.owner.email)).find((m) => m.subject.includes('webhook endpoint')),
    );
    expect(mail.text).toContain(new URL(receiver.url).origin);

    // The same beat again changes nothing; enabling it again (an edit) lets the node send again.
    expect(await f.node.app.internals.heartbeat.beat()).toBe(true);
    receiver.script = { status: 204 };
    await http()
      .patch(`${f.ws}/webhooks/${endpointId}`)
      .set('Cookie', f.adminCookie)
      .send({ enabled: true })
      .expect(200);
    expect(f.node.app.internals.webhooks.endpoints.endpoint(endpointId)).toMatchObject({
      enabled: true,
      nodeDisabledAt: null,
    });
  });

  it("a resolved conversation's transcript reaches the owner's inbox from the node, through the customer's own SMTP credentials", async () => {
    const transcripts = {
      enabled: true,
      provider: 'smtp',
      from: 'agent@shop.example',
      recipients: ['owner@shop.example'],
      idleMinutes: null,
    };
    await http().put(`${f.ws}/transcripts`).set('Cookie', f.adminCookie).send(transcripts).expect(409);
    await http()
      .put(`${f.ws}/transcripts`)
      .set('Cookie', f.memberCookie)
      .send({ ...transcripts, credential: `smtp://shop:${smtpPassword}@127.0.0.1:${smtpPort}` })
      .expect(403);
    const saved = await http()
      .put(`${f.ws}/transcripts`)
      .set('Cookie', f.adminCookie)
      .send({ ...transcripts, credential: `smtp://shop:${smtpPassword}@127.0.0.1:${smtpPort}` })
      .expect(200);
    expect(saved.body).toMatchObject({
      delivery: 'delivered',
      transcripts: { credential: { kind: 'email_provider_credential' } },
    });

    const token = (await http().post(`${f.ws}/node-sessions`).set('Cookie', f.memberCookie).send({}).expect(201)).body
      .token as string;
    const list = await (
      await fetch(`${f.node.url}/v1/inbox/conversations`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    const conversationId = (list as { conversations: { id: string }[] }).conversations[0].id;
    const patched = await fetch(`${f.node.url}/v1/inbox/conversations/${conversationId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'resolved' }),
    });
    expect(patched.status).toBe(200);

    expect(await f.node.app.internals.transcripts.runDue()).toBe(1);
    const [mail] = await waitFor(async () => {
      const got = await mails(catcher.url, 'owner@shop.example');
      return got.length ? got : undefined;
    });
    expect(mail).toMatchObject({ from: 'agent@shop.example', authUser: 'shop' });
    expect(mail.text).toContain(`Grace: ${userText}`);
    // The control plane's own catcher never saw it.
    expect((await mails(f.h.api.sandbox.url, 'owner@shop.example')).length).toBe(0);
  });

  it('the at-rest scan finds no message, transcript, signing secret or SMTP password in the control plane', async () => {
    const db = await databaseDump(f.h.api);
    const redis = await redisDump(f.h.api);
    expect(
      leaks([userText, 'second message', signingSecret, smtpPassword], {
        postgres: db,
        redis: redis.text,
        apiLogs: f.h.logs.join('\n'),
      }),
    ).toEqual([]);
    expect(db).toContain(endpointId); // the scan did read the configuration
  });
});
