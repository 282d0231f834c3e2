import type { StripeObject } from '../../sandbox/src/stripe/stripe-store';
import { startSandbox, type RunningSandbox } from '../../sandbox/src/sandbox';
import { STRIPE_DEFAULT_SECRET_KEY, STRIPE_DEFAULT_WEBHOOK_SECRET, stripeStandIn, type StripeStandIn } from '../../sandbox/src/stripe/stripe.stand-in';
import Stripe from 'stripe';
import { type ApiHarness, startApiHarness } from './api-harness';
import { signInByEmail } from './sign-in';

export const WEBHOOK_SECRET = STRIPE_DEFAULT_WEBHOOK_SECRET;
export const PLANS = [
  { id: 'monthly', name: 'Monthly', stripePriceId: 'price_enclave_monthly', amount: 2900, currency: 'eur', interval: 'month' },
  { id: 'yearly', name: 'Yearly', stripePriceId: 'price_enclave_yearly', amount: 29000, currency: 'eur', interval: 'year' },
];

export interface BillingHarness {
  api: ApiHarness;
  stripe: StripeStandIn;
  stripeSandbox: RunningSandbox;
  /** Turns the stand-in's own webhook delivery to the API on or off. */
  setDelivery(on: boolean): void;
  /** POSTs a body to the webhook the way Stripe does, signed with `generateTestHeaderString`. */
  deliver(payload: string, options?: { secret?: string; timestamp?: number }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The events the stand-in emitted, newest last. */
  events(type?: string): StripeObject[];
  test(path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The API harness plus a Stripe stand-in on its own port (the SDK talks to it by
 * STRIPE_API_URL) whose webhook endpoint points at the API, signed with STRIPE_WEBHOOK_SECRET.
 */
export async function startBillingHarness(env: NodeJS.ProcessEnv = {}): Promise<BillingHarness> {
  const stripe = stripeStandIn({ webhookRetryDelaysMs: [] });
  const stripeSandbox = await startSandbox([stripe], 0);
  const api = await startApiHarness({
    STRIPE_SECRET_KEY: STRIPE_DEFAULT_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: stripe.apiUrl,
    STRIPE_PLANS: JSON.stringify(PLANS),
    ...env,
  });
  const endpoint = stripe.store.addEndpoint(`${api.url}/api/stripe/webhook`, ['*'], WEBHOOK_SECRET);
  return {
    api,
    stripe,
    stripeSandbox,
    setDelivery(on) {
      endpoint.status = on ? 'enabled' : 'disabled';
    },
    async deliver(payload, options = {}) {
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, ...(options.timestamp ? { timestamp: options.timestamp } : {}) });
      const response = await api.http().post('/api/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);
      return { status: response.status, body: response.body as Record<string, unknown> };
    },
    events(type) {
      return stripe.store.events.filter((event) => !type || event.type === type);
    },
    async test(path, body = {}) {
      const response = await fetch(`${stripeSandbox.url}/stripe/_test${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`stand-in ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    },
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
  const created = await harness.api.http().post('/api/workspaces').set('Cookie', cookie).send({ name: `Workspace ${tag}`, slug }).expect(201);
  return { email, cookie, workspaceId: (created.body as { id: string }).id };
}

/** Starts a checkout through the API and returns the Checkout Session id from its URL. */
export async function startCheckout(harness: BillingHarness, customer: Customer, planId = 'monthly'): Promise<{ url: string; sessionId: string }> {
  const response = await harness.api.http().post(`/api/workspaces/${customer.workspaceId}/checkout`).set('Cookie', customer.cookie).send({ planId }).expect(200);
  const url = (response.body as { url: string }).url;
  return { url, sessionId: url.split('/').pop() as string };
}

/** Pays a Checkout Session the way Stripe's test mode does (card 4242…). */
export async function paySession(harness: BillingHarness, sessionId: string): Promise<StripeObject> {
  return (await harness.test(`/checkout/sessions/${sessionId}/complete`, {})) as StripeObject;
}

/** The one event of `type` the stand-in emitted about `objectId` (subscription, session or invoice). */
export function eventAbout(harness: BillingHarness, type: string, match: (object: Record<string, unknown>) => boolean): StripeObject {
  const found = harness.events(type).filter((event) => match((event.data as { object: Record<string, unknown> }).object));
  if (found.length === 0) throw new Error(`no ${type} event matched`);
  return found[found.length - 1];
}

export async function mailTo(harness: BillingHarness, email: string): Promise<Array<{ subject: string; text: string | null }>> {
  return (await (await fetch(`${harness.api.sandbox.url}/mail/messages?to=${encodeURIComponent(email)}`)).json()) as Array<{ subject: string; text: string | null }>;
}
