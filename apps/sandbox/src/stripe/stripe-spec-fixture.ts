import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { STRIPE_DEFAULT_SECRET_KEY, type StripeStandIn, stripeStandIn } from './stripe.stand-in';

/** What the Stripe specs share: a stand-in, the real SDK pointed at it, and a webhook receiver. */

const WEBHOOK_SECRET = 'whsec_test_spec_secret';

export interface ReceivedEvent {
  event: Stripe.Event;
  raw: string;
}

export interface StripeFixture {
  sandbox: RunningSandbox;
  standIn: StripeStandIn;
  stripe: Stripe;
  /** Events the receiver verified and accepted, in arrival order. */
  received: ReceivedEvent[];
  /** Ids of the events the receiver answered 500 to (once per type given to the fixture). */
  rejected: string[];
  receivedOf(type: string): ReceivedEvent[];
  /** A sandbox-only control: POST `${sandbox}/stripe/_test${path}`. */
  control(path: string, body?: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

/** The SDK as the control plane configures it: host, port and protocol only, no retries. */
export function stripeSdk(port: number, secretKey = STRIPE_DEFAULT_SECRET_KEY): Stripe {
  return new Stripe(secretKey, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
}

/** Polls until `probe` gives a value (webhooks arrive asynchronously). */
export async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts the stand-in with one webhook endpoint, a receiver that checks each signature with
 * `stripe.webhooks.constructEvent`; the first event of each type in `failOnce` gets a 500.
 */
export async function startStripeFixture(failOnce: string[] = []): Promise<StripeFixture> {
  const toFail = new Set(failOnce);
  const received: ReceivedEvent[] = [];
  const rejected: string[] = [];
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        const event = Stripe.webhooks.constructEvent(raw, String(req.headers['stripe-signature']), WEBHOOK_SECRET);
        if (toFail.delete(event.type)) {
          rejected.push(event.id);
          res.writeHead(500).end('try again');
          return;
        }
        received.push({ event, raw });
        res.writeHead(200).end('ok');
      } catch (error) {
        res.writeHead(400).end((error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  const standIn = stripeStandIn({
    webhookEndpoints: [{ url: hookUrl, secret: WEBHOOK_SECRET }],
    webhookRetryDelaysMs: [30, 60],
  });
  const sandbox = await startSandbox([standIn], 0);
  return {
    sandbox,
    standIn,
    stripe: stripeSdk(standIn.apiPort),
    received,
    rejected,
    receivedOf: (type) => received.filter((r) => r.event.type === type),
    control: (path, body) =>
      fetch(`${sandbox.url}/stripe/_test${path}`, {
        method: 'POST',
        ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      }),
    async close() {
      await sandbox.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    },
  };
}

/** A subscription Checkout Session for a new customer, on the monthly price unless told otherwise. */
export function subscriptionCheckout(
  stripe: Stripe,
  params: Partial<Stripe.Checkout.SessionCreateParams> & { customer_email: string },
): Promise<Stripe.Checkout.Session> {
  return stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: 'price_enclave_monthly', quantity: 1 }],
    success_url: 'http://127.0.0.1:9/ok',
    ...params,
  });
}
