import { generateSigningKeyPair, signRequest } from '@enclave/node-protocol';
import { NodeEntity } from '@enclave/persistence';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { createNodeRecord } from '../../test/agent-node-harness';
import { type ApiHarness, startApiHarness } from '../../test/api-harness';
import { type BillingHarness, startBillingHarness, WEBHOOK_SECRET } from '../../test/billing';
import { sessionCookie, signInByEmail } from '../../test/sign-in';

const EVIL = 'https://evil.example';

/** CrossSiteGuard: state-changing browser requests only as JSON from PUBLIC_URL's origin; signed callers exempt. */
describe('cross-site requests', () => {
  let billing: BillingHarness;
  let api: ApiHarness;
  let cookie: string;

  beforeAll(async () => {
    billing = await startBillingHarness();
    api = billing.api;
    cookie = await signInByEmail(api, 'csrf-owner@example.com');
  });
  afterAll(() => billing?.close());

  const createWorkspace = () => api.http().post('/api/workspaces').set('cookie', cookie);
  const workspacesWithSlug = async (slug: string) =>
    (
      (await api.dataSource.query(`SELECT count(*)::int AS n FROM workspaces WHERE slug = $1`, [slug])) as [
        { n: number },
      ]
    )[0].n;
  const newSlug = () => `csrf-${randomBytes(4).toString('hex')}`;

  it('refuses a POST from another origin with 403 and creates nothing', async () => {
    const slug = newSlug();
    const refused = await createWorkspace().set('origin', EVIL).send({ name: 'Evil', slug }).expect(403);
    expect(refused.body.error.code).toBe('cross_site_request');
    for (const origin of ['null', `${api.url}.evil.example`, api.url.replace('http:', 'https:')]) {
      await createWorkspace().set('origin', origin).send({ name: 'Evil', slug }).expect(403);
    }
    expect(await workspacesWithSlug(slug)).toBe(0);
  });

  it('refuses a form-encoded or text/plain body with 415 and creates nothing', async () => {
    const slug = newSlug();
    const form = await createWorkspace().type('form').send(`name=Form&slug=${slug}`).expect(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    await createWorkspace()
      .set('content-type', 'text/plain')
      .send(JSON.stringify({ name: 'Text', slug }))
      .expect(415);
    expect(await workspacesWithSlug(slug)).toBe(0);
  });

  it('accepts JSON from the dashboard origin, from Sec-Fetch-Site same-origin, and from clients sending neither', async () => {
    for (const headers of [{ origin: api.url }, { 'sec-fetch-site': 'same-origin' }, {}]) {
      const slug = newSlug();
      await createWorkspace().set(headers).send({ name: 'Mine', slug }).expect(201);
      expect(await workspacesWithSlug(slug)).toBe(1);
    }
    // a bodiless POST without a content type is fine (a session of its own, so logging out costs nothing)
    const other = await signInByEmail(api, 'csrf-logout@example.com');
    await api.http().post('/api/auth/logout').set('cookie', other).set('origin', api.url).expect(200);
  });

  it('refuses Sec-Fetch-Site cross-site or same-site when there is no Origin', async () => {
    const slug = newSlug();
    for (const site of ['cross-site', 'same-site']) {
      const refused = await createWorkspace().set('sec-fetch-site', site).send({ name: 'Evil', slug }).expect(403);
      expect(refused.body.error.code).toBe('cross_site_request');
    }
    expect(await workspacesWithSlug(slug)).toBe(0);
  });

  it('guards public sign-in routes too: no mail for a cross-site magic-link request', async () => {
    const email = 'csrf-mail@example.com';
    await api.http().post('/api/auth/email').set('origin', EVIL).send({ email }).expect(403);
    const mails = (await (await fetch(`${api.sandbox.url}/mail/messages?to=${email}`)).json()) as unknown[];
    expect(mails).toHaveLength(0);
  });

  it('applies the same rule to bull-board, mounted outside Nest routing', async () => {
    const staff = await signInByEmail(api, 'staff@enclave.test');
    const retry = () => api.http().put('/api/staff/queues/api/queues/system/retry/failed').set('cookie', staff);
    const refused = await retry().set('origin', EVIL).expect(403);
    expect(refused.body.error.code).toBe('cross_site_request');
    expect((await retry().set('origin', api.url)).status).toBe(200);
  });

  it('lets the signed Stripe webhook through with a foreign Origin', async () => {
    const id = `evt_${randomBytes(8).toString('hex')}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'customer.tax_id.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'txi_1', object: 'tax_id' } },
    });
    const response = await api
      .http()
      .post('/api/stripe/webhook')
      .set('content-type', 'application/json')
      .set('origin', EVIL)
      .set('sec-fetch-site', 'cross-site')
      .set('stripe-signature', Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }))
      .send(payload)
      .expect(200);
    expect(response.body).toEqual({ received: true, eventId: id, outcome: 'ignored' });
  });

  it('lets signed node callbacks through with a foreign or no Origin, still checking their signature', async () => {
    const slug = newSlug();
    const workspace = await createWorkspace().send({ name: 'Node', slug }).expect(201);
    const { nodeId } = await createNodeRecord(api, workspace.body.id as string);
    const keys = generateSigningKeyPair();
    const signedPost = (path: string, body: string, headers: Record<string, string>) =>
      api
        .http()
        .post(path)
        .set({
          'content-type': 'application/json',
          ...headers,
          ...signRequest({ method: 'POST', path, body, privateKey: keys.privateKeyPem, nodeId }),
        })
        .send(body);
    // enrolment with a foreign Origin reaches its own checks (a wrong token: 401, not 403)
    const enrol = (token: string) =>
      JSON.stringify({
        protocolVersion: 1,
        nodeId,
        enrolmentToken: token,
        publicKey: keys.publicKeyPem,
        version: '0.1.0',
        publicBaseUrl: 'http://127.0.0.1:1',
      });
    const wrong = await signedPost('/api/v1/nodes/enrol', enrol('x'.repeat(32)), { origin: EVIL }).expect(401);
    expect(wrong.body.error.code).toBe('enrolment_refused');
    // enrolled as the enrolment route would leave it (not through it: that also enqueues the node's config)
    await api.dataSource
      .getRepository(NodeEntity)
      .update({ id: nodeId }, { publicKey: keys.publicKeyPem, enrolledAt: new Date(), status: 'enrolled' });
    const beats = `/api/v1/nodes/${nodeId}/heartbeats`;
    const foreign: Array<Record<string, string>> = [{ origin: EVIL, 'sec-fetch-site': 'cross-site' }, {}];
    for (const headers of foreign) {
      await signedPost(beats, heartbeat(nodeId), headers).expect(200);
    }
    // exempt from the cross-site check, not from the signature: unsigned is still 401
    const unsigned = await api
      .http()
      .post(beats)
      .set({ 'content-type': 'application/json', origin: EVIL })
      .send(heartbeat(nodeId))
      .expect(401);
    expect(unsigned.body.error.code).toBe('bad_signature');
  });
});

describe('session cookie when PUBLIC_URL is https', () => {
  let api: ApiHarness;
  const PUBLIC_URL = 'https://app.enclave.test';

  beforeAll(async () => {
    api = await startApiHarness({ PUBLIC_URL });
  });
  afterAll(() => api?.close());

  it('is __Host- prefixed and Secure outside production, and signing in still works', async () => {
    expect(api.env.NODE_ENV).toBe('test');
    await api.http().post('/api/auth/email').send({ email: 'https@example.com' }).expect(202);
    const mails = (await (await fetch(`${api.sandbox.url}/mail/messages?to=https@example.com`)).json()) as Array<{
      text: string;
    }>;
    const link = new URL(mails[0].text.match(/https:\/\/\S+\/api\/auth\/email\/callback\?token=[\w-]+/)![0]);
    const response = await api
      .http()
      .get(link.pathname + link.search)
      .expect(303);
    const raw = (response.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('__Host-'))!;
    expect(raw).toMatch(/^__Host-enclave_session=[\w-]+;/);
    expect(raw.split('; ').slice(1).sort()).toEqual(
      expect.arrayContaining(['HttpOnly', 'Path=/', 'SameSite=Lax', 'Secure']),
    );
    expect(raw).not.toMatch(/Domain=/i);
    const cookie = sessionCookie([raw]);
    await api.http().get('/api/me').set('cookie', cookie).expect(200);
    // the unprefixed name is not read any more
    await api.http().get('/api/me').set('cookie', cookie.replace('__Host-', '')).expect(401);
    // the dashboard's own https origin passes the cross-site check; logging out clears the same cookie
    const out = await api.http().post('/api/auth/logout').set('cookie', cookie).set('origin', PUBLIC_URL).expect(200);
    expect(String(out.headers['set-cookie'])).toMatch(/^__Host-enclave_session=;.*Secure/);
    await api.http().get('/api/me').set('cookie', cookie).expect(401);
  });

  it('sets the OAuth state cookie Secure and __Secure- prefixed', async () => {
    const start = await api.http().get('/api/auth/github').expect(302);
    const state = (start.headers['set-cookie'] as unknown as string[]).find((c) => c.includes('enclave_oauth_github'))!;
    expect(state).toMatch(/^__Secure-enclave_oauth_github=[\w-]+;.*Secure/);
  });
});

function heartbeat(nodeId: string): string {
  return JSON.stringify({
    protocolVersion: 1,
    nodeId,
    version: '0.1.0',
    state: 'active',
    sentAt: new Date().toISOString(),
    uptimeSeconds: 5,
    configRevision: 0,
    checks: { database: { ok: true }, channels: [], providers: [] },
    counters: {
      since: null,
      channels: {
        telegram: { inbound: 0, outbound: 0, failures: 0 },
        whatsapp: { inbound: 0, outbound: 0, failures: 0 },
      },
      providerErrors: 0,
      fallbackReplies: 0,
    },
    activeChannelIds: [],
    lastActivityAt: null,
    retention: { days: 365, lastPurgeAt: null, purgedMessages: 0, purgedConversations: 0 },
  });
}
