import { createStandIns, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import Stripe from 'stripe';
import { createStripeClient } from '../src/billing/stripe.gateway';
import { type ApiHarness, startApiHarness } from './api-harness';
import { signInByEmail } from './sign-in';

const SECRET_KEY = 'sk_test_billing_e2e_0123456789';
export const WEBHOOK_SECRET = 'whsec_billing_e2e_0123456789abcdef';
export const PLANS = [
  {
    id: 'monthly',
    name: 'Monthly',
    stripePriceId: 'price_enclave_monthly',
    amount: 2900,
    currency: 'eur',
    interval: 'month',
  },
  {
    id: 'yearly',
    name: 'Yearly',
    stripePriceId: 'price_enclave_yearly',
    amount: 29000,
    currency: 'eur',
    interval: 'year',
  },
];

export interface StripeEventJson {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

export interface BillingHarness {
  api: ApiHarness;
  /** The sandbox serving only the Stripe stand-in; the API reaches it at `${url}/stripe`. */
  stripeSandbox: RunningSandbox;
  /** The real SDK, pointed at the stand-in, for looking at what the API created there. */
  stripe: Stripe;
  /** Turns the stand-in's own (signed) webhook delivery to the API on or off. */
  setDelivery(on: boolean): Promise<void>;
  /** Resolves once the stand-in has made every delivery queued so far. */
  idle(): Promise<void>;
  /** POSTs a body to the webhook the way Stripe does, signed with `generateTestHeaderString`. */
  deliver(
    payload: string,
    options?: { secret?: string; timestamp?: number },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The events the stand-in emitted, oldest first. */
  events(type?: string): Promise<StripeEventJson[]>;
  /** A test control of the stand-in (what a customer or Stripe's billing engine would do). */
  test(path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A sandbox serving only the Stripe stand-in, and the env that points an API's Stripe SDK at it. */
export async function startStripeSandbox(): Promise<{ sandbox: RunningSandbox; env: NodeJS.ProcessEnv }> {
  const stripeStandIn = createStandIns({
    smtpPort: 0,
    stripe: { secretKey: SECRET_KEY, webhookRetryDelaysMs: [] },
  }).find((standIn) => standIn.prefix === '/stripe');
  if (!stripeStandIn) throw new Error('the sandbox has no Stripe stand-in');
  const sandbox = await startSandbox([stripeStandIn], 0);
  return {
    sandbox,
    env: {
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: `${sandbox.url}/stripe`,
      STRIPE_PLANS: JSON.stringify(PLANS),
    },
  };
}

/**
 * The API harness plus a sandbox serving the Stripe stand-in. The API's SDK talks to it by
 * STRIPE_API_URL (under its /stripe prefix), and the stand-in delivers signed webhooks back to
 * the API's /api/stripe/webhook with STRIPE_WEBHOOK_SECRET.
 */
export async function startBillingHarness(env: NodeJS.ProcessEnv = {}): Promise<BillingHarness> {
  const stripe = await startStripeSandbox();
  const api = await startApiHarness({ ...stripe.env, ...env });
  return billingHarnessOf(api, stripe.sandbox);
}

/**
 * Billing controls for an API already running with `startStripeSandbox`'s env; the stand-in
 * delivers its webhooks to `webhookUrl` (the API's own unless, say, a load balancer fronts it).
 * `close` closes the API and the sandbox.
 */
export async function billingHarnessOf(
  api: ApiHarness,
  stripeSandbox: RunningSandbox,
  webhookUrl = `${api.url}/api/stripe/webhook`,
): Promise<BillingHarness> {
  const stripeUrl = `${stripeSandbox.url}/stripe`;

  async function control(
    method: string,
    path: string,
    body?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${stripeUrl}/_test${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`stand-in ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }
  let endpointId: string | null = null;
  const setDelivery = async (on: boolean) => {
    if (on && !endpointId)
      endpointId = String(
        (
          await control('POST', '/webhook_endpoints', {
            url: webhookUrl,
            secret: WEBHOOK_SECRET,
            enabled_events: ['*'],
          })
        ).id,
      );
    if (!on && endpointId) {
      await control('DELETE', `/webhook_endpoints/${endpointId}`);
      endpointId = null;
    }
  };
  await setDelivery(true);

  return {
    api,
    stripeSandbox,
    stripe: createStripeClient(SECRET_KEY, stripeUrl),
    setDelivery,
    async idle() {
      await fetch(`${stripeUrl}/_test/idle`);
    },
    async deliver(payload, options = {}) {
      const header = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? WEBHOOK_SECRET,
        ...(options.timestamp ? { timestamp: options.timestamp } : {}),
      });
      const response = await api
        .http()
        .post('/api/stripe/webhook')
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', header)
        .send(payload);
      return { status: response.status, body: response.body as Record<string, unknown> };
    },
    async events(type) {
      return (await (
        await fetch(`${stripeUrl}/_test/events${type ? `?type=${encodeURIComponent(type)}` : ''}`)
      ).json()) as StripeEventJson[];
    },
    test: (path, body = {}) => control('POST', path, body),
    async close() {
      await api.close();
      await stripeSandbox.close();
    },
  };
}

export interface Customer {
  email: string;
  cookie: string;
  workspaceId: string;
}

/** A signed-in owner with a fresh workspace (pending_payment). */
export async function ownerWithWorkspace(harness: BillingHarness, tag: string): Promise<Customer> {
  const email = `${tag}-${Date.now().toString(36)}@example.com`;
  const cookie = await signInByEmail(harness.api, email);
  const slug = `${tag}-${Math.random().toString(36).slice(2, 8)}`;
  const created = await harness.api
    .http()
    .post('/api/workspaces')
    .set('Cookie', cookie)
    .send({ name: `Workspace ${tag}`, slug })
    .expect(201);
  return { email, cookie, workspaceId: (created.body as { id: string }).id };
}

/** Starts a checkout through the API and returns the Checkout Session id from its URL. */
export async function startCheckout(
  harness: BillingHarness,
  customer: Customer,
  planId = 'monthly',
): Promise<{ url: string; sessionId: string }> {
  const response = await harness.api
    .http()
    .post(`/api/workspaces/${customer.workspaceId}/checkout`)
    .set('Cookie', customer.cookie)
    .send({ planId })
    .expect(200);
  const url = (response.body as { url: string }).url;
  return { url, sessionId: url.split('/').pop() as string };
}

/** Pays a Checkout Session the way Stripe's test mode does (card 4242…). */
export async function paySession(harness: BillingHarness, sessionId: string): Promise<Record<string, unknown>> {
  return harness.test(`/checkout/sessions/${sessionId}/complete`, {});
}

/** The latest event of `type` whose object matches. */
export async function eventAbout(
  harness: BillingHarness,
  type: string,
  match: (object: Record<string, unknown>) => boolean,
): Promise<StripeEventJson> {
  const found = (await harness.events(type)).filter((event) => match(event.data.object));
  if (found.length === 0) throw new Error(`no ${type} event matched`);
  return found[found.length - 1];
}

export async function mailTo(
  harness: BillingHarness,
  email: string,
): Promise<Array<{ subject: string; text: string | null }>> {
  return (await (
    await fetch(`${harness.api.sandbox.url}/mail/messages?to=${encodeURIComponent(email)}`)
  ).json()) as Array<{ subject: string; text: string | null }>;
}

export async function workspaceStatus(harness: BillingHarness, workspaceId: string): Promise<string> {
  const [row] = (await harness.api.dataSource.query(`SELECT status FROM workspaces WHERE id = $1`, [
    workspaceId,
  ])) as Array<{ status: string }>;
  return row.status;
}

/** The workspace's billing account row (undefined while nothing was created at Stripe). */
export async function billingAccount(
  harness: BillingHarness,
  workspaceId: string,
): Promise<{ stripe_customer_id: string; grace_ends_at: Date | null; deprovision_at: Date | null }> {
  const [row] = (await harness.api.dataSource.query(
    `SELECT stripe_customer_id, grace_ends_at, deprovision_at FROM billing_accounts WHERE workspace_id = $1`,
    [workspaceId],
  )) as Array<{ stripe_customer_id: string; grace_ends_at: Date | null; deprovision_at: Date | null }>;
  return row;
}

/** The Stripe id of the workspace's subscription in that status; throws when there is none. */
export async function subscriptionOf(harness: BillingHarness, workspaceId: string, wanted = 'active'): Promise<string> {
  const [row] = (await harness.api.dataSource.query(
    `SELECT stripe_subscription_id AS id FROM billing_subscriptions WHERE workspace_id = $1 AND status = $2`,
    [workspaceId, wanted],
  )) as Array<{ id: string }>;
  if (!row) throw new Error(`workspace ${workspaceId} has no ${wanted} subscription`);
  return row.id;
}

/** The workspace's audited status changes, oldest first, as "from→to (actor type)". */
export async function statusTransitions(harness: BillingHarness, workspaceId: string): Promise<string[]> {
  const rows = (await harness.api.dataSource.query(
    `SELECT actor_type, details->>'from' AS "from", details->>'to' AS "to" FROM audit_events WHERE workspace_id = $1 AND action = 'workspace.status_changed' ORDER BY id`,
    [workspaceId],
  )) as Array<{ actor_type: string; from: string; to: string }>;
  return rows.map((row) => `${row.from}→${row.to} (${row.actor_type})`);
}

/** Pays on the stand-in's hosted checkout page, as a browser would; Stripe's own deliveries follow. */
export async function subscribe(harness: BillingHarness, customer: Customer, planId = 'monthly'): Promise<void> {
  const { url, sessionId } = await startCheckout(harness, customer, planId);
  expect(url).toBe(`${harness.stripeSandbox.url}/stripe/pay/${sessionId}`);
  const page = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      card_number: '4242 4242 4242 4242',
      card_expiry: '12/34',
      card_cvc: '123',
      name: 'Ada',
    }),
    redirect: 'manual',
  });
  expect(page.status).toBe(303);
  expect(page.headers.get('location')).toBe(
    `${harness.api.url}/workspaces/${customer.workspaceId}/billing?checkout=success&session_id=${sessionId}`,
  );
  await harness.idle();
}

/** Neither a card number nor a Stripe secret in the billing tables or any audit details. */
export async function expectNoCardDataOrStripeSecret(harness: BillingHarness): Promise<void> {
  const db = harness.api.dataSource;
  const dump = JSON.stringify([
    await db.query(`SELECT * FROM billing_accounts`),
    await db.query(`SELECT * FROM billing_subscriptions`),
    await db.query(`SELECT * FROM stripe_events`),
    await db.query(`SELECT details FROM audit_events`),
  ]);
  expect(dump).toContain('stripe_customer_id'); // the dump is real
  expect(dump).not.toContain('4242');
  expect(dump).not.toContain(String(harness.api.env.STRIPE_SECRET_KEY));
  expect(dump).not.toContain(String(harness.api.env.STRIPE_WEBHOOK_SECRET));
}
