import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { STRIPE_API_VERSION, STRIPE_DEFAULT_SECRET_KEY, type StripeStandIn, stripeStandIn } from './stripe.stand-in';
import type { DeliveryAttempt } from './stripe-webhooks';

const WEBHOOK_SECRET = 'whsec_test_spec_secret';

interface Received {
  event: Stripe.Event;
  raw: string;
}

describe('Stripe stand-in', () => {
  let sandbox: RunningSandbox;
  let standIn: StripeStandIn;
  let stripe: Stripe;
  let receiver: Server;
  const received: Received[] = [];
  const failOnce = new Set<string>(['checkout.session.completed']);
  const rejected: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        try {
          const event = Stripe.webhooks.constructEvent(raw, String(req.headers['stripe-signature']), WEBHOOK_SECRET);
          if (failOnce.delete(event.type)) {
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
    standIn = stripeStandIn({
      webhookEndpoints: [{ url: hookUrl, secret: WEBHOOK_SECRET }],
      webhookRetryDelaysMs: [30, 60],
    });
    sandbox = await startSandbox([standIn], 0);
    stripe = new Stripe(STRIPE_DEFAULT_SECRET_KEY, {
      host: '127.0.0.1',
      port: standIn.apiPort,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const waitFor = async <T>(probe: () => T | undefined, what: string): Promise<T> => {
    for (let i = 0; i < 200; i++) {
      const value = probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const receivedOf = (type: string) => received.filter((r) => r.event.type === type);

  it('pins the API version the SDK speaks and serves configured prices', async () => {
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
    const price = await stripe.prices.retrieve('price_enclave_monthly');
    expect(price).toMatchObject({
      object: 'price',
      unit_amount: 2900,
      currency: 'eur',
      recurring: { interval: 'month' },
      livemode: false,
    });
    const prices = await stripe.prices.list({ lookup_keys: ['enclave_yearly'] });
    expect(prices.data.map((p) => p.id)).toEqual(['price_enclave_yearly']);
    const info = (await (await fetch(`${sandbox.url}/stripe/_info`)).json()) as { apiPort: number };
    expect(info.apiPort).toBe(standIn.apiPort);
  });

  it('runs checkout through the hosted page: decline, then pay, webhooks signed and retried', async () => {
    const customer = await stripe.customers.create({
      email: 'owner@example.com',
      name: 'Owner',
      metadata: { userId: 'u1' },
    });
    expect(customer.id).toMatch(/^cus_/);
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      email: 'owner@example.com',
      metadata: { userId: 'u1' },
    });

    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_enclave_monthly', quantity: 1 }],
      client_reference_id: 'ws_123',
      metadata: { workspaceId: 'ws_123' },
      subscription_data: { metadata: { workspaceId: 'ws_123' } },
      success_url: 'http://127.0.0.1:9/billing/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://127.0.0.1:9/billing/cancel',
    };
    const session = await stripe.checkout.sessions.create(params, { idempotencyKey: 'checkout-ws_123' });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 2900,
      client_reference_id: 'ws_123',
      livemode: false,
    });
    const again = await stripe.checkout.sessions.create(params, { idempotencyKey: 'checkout-ws_123' });
    expect(again.id).toBe(session.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    await expect(
      stripe.checkout.sessions.create(
        { ...params, client_reference_id: 'other' },
        { idempotencyKey: 'checkout-ws_123' },
      ),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);

    const page = await fetch(session.url ?? '');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('name="card_number"');
    expect(html).toContain('29.00 EUR');

    const pay = (card: string) =>
      fetch(session.url ?? '', {
        method: 'POST',
        body: new URLSearchParams({
          email: 'owner@example.com',
          card_number: card,
          card_expiry: '12 / 34',
          card_cvc: '123',
          name: 'Owner',
        }),
        redirect: 'manual',
      });
    const declined = await pay('4000 0000 0000 0341');
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    const paid = await pay('4242 4242 4242 4242');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`http://127.0.0.1:9/billing/success?session_id=${session.id}`);

    const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', customer: customer.id });
    const sub = completed.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({
      object: 'subscription',
      status: 'active',
      customer: customer.id,
      metadata: { workspaceId: 'ws_123' },
    });
    expect(sub.items.data[0].price.id).toBe('price_enclave_monthly');
    expect(sub.items.data[0].current_period_end).toBeGreaterThan(sub.items.data[0].current_period_start);
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 2900, billing_reason: 'subscription_create' });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);

    // checkout.session.completed got a 500 first, then the retry went through.
    const completedEvent = await waitFor(
      () => receivedOf('checkout.session.completed')[0],
      'checkout.session.completed',
    );
    expect(rejected).toContain(completedEvent.event.id);
    expect(completedEvent.event).toMatchObject({
      object: 'event',
      api_version: STRIPE_API_VERSION,
      livemode: false,
      data: { object: { id: session.id, client_reference_id: 'ws_123' } },
    });
    expect(completedEvent.raw).toContain('\n  "id": "evt_'); // pretty-printed like Stripe's
    const deliveries = (await (
      await fetch(`${sandbox.url}/stripe/_test/deliveries?event_id=${completedEvent.event.id}`)
    ).json()) as DeliveryAttempt[];
    expect(deliveries.map((d) => [d.attempt, d.status, d.ok])).toEqual([
      [1, 500, false],
      [2, 200, true],
    ]);
    const types = received.map((r) => r.event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'customer.subscription.created',
        'invoice.paid',
        'invoice.payment_succeeded',
        'customer.subscription.updated',
      ]),
    );
    expect((await stripe.events.retrieve(completedEvent.event.id)).pending_webhooks).toBe(0);
  });

  it('drives the subscription lifecycle: failed renewal, payment, cancellation', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer_email: 'second@example.com',
      line_items: [{ price: 'price_enclave_monthly', quantity: 1 }],
      success_url: 'http://127.0.0.1:9/ok',
    });
    const done = await fetch(`${sandbox.url}/stripe/_test/checkout/sessions/${session.id}/complete`, {
      method: 'POST',
    });
    expect(done.status).toBe(200);
    const completed = (await done.json()) as Stripe.Checkout.Session;
    const subId = String(completed.subscription);
    expect(((await stripe.customers.retrieve(String(completed.customer))) as Stripe.Customer).email).toBe(
      'second@example.com',
    );

    const failed = await fetch(`${sandbox.url}/stripe/_test/subscriptions/${subId}/fail_next_invoice`, {
      method: 'POST',
    });
    const { invoice } = (await failed.json()) as { invoice: Stripe.Invoice };
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, billing_reason: 'subscription_cycle' });
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('past_due');
    const failedEvent = await waitFor(
      () =>
        received.find(
          (r) => r.event.type === 'invoice.payment_failed' && (r.event.data.object as Stripe.Invoice).id === invoice.id,
        ),
      'invoice.payment_failed',
    );
    expect(failedEvent).toBeDefined();
    const pastDue = await waitFor(
      () =>
        received.find(
          (r) =>
            r.event.type === 'customer.subscription.updated' &&
            (r.event.data.object as Stripe.Subscription).status === 'past_due',
        ),
      'subscription past_due',
    );
    expect(pastDue.event.data.previous_attributes).toMatchObject({ status: 'active' });

    await fetch(`${sandbox.url}/stripe/_test/invoices/${invoice.id}/pay`, { method: 'POST' });
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('active');
    await waitFor(
      () =>
        received.find(
          (r) => r.event.type === 'invoice.paid' && (r.event.data.object as Stripe.Invoice).id === invoice.id,
        ),
      'invoice.paid',
    );

    const portal = await stripe.billingPortal.sessions.create({
      customer: String(completed.customer),
      return_url: 'http://127.0.0.1:9/billing',
    });
    expect(portal.url).toContain('/stripe/portal/bps_');
    const portalHtml = await (await fetch(portal.url)).text();
    expect(portalHtml).toContain('Cancel subscription');

    const atEnd = await stripe.subscriptions.update(subId, { cancel_at_period_end: true });
    expect(atEnd.cancel_at_period_end).toBe(true);
    const canceled = await stripe.subscriptions.cancel(subId);
    expect(canceled.status).toBe('canceled');
    const deleted = await waitFor(
      () =>
        receivedOf('customer.subscription.deleted').find(
          (r) => (r.event.data.object as Stripe.Subscription).id === subId,
        ),
      'deleted',
    );
    expect((deleted.event.data.object as Stripe.Subscription).status).toBe('canceled');
    await expect(stripe.subscriptions.cancel(subId)).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('answers bad input with Stripe error shapes', async () => {
    await expect(
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_nope', quantity: 1 }],
        success_url: 'http://127.0.0.1:9/ok',
      }),
    ).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'line_items[0][price]',
    });
    await expect(
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_enclave_monthly' }],
        success_url: 'http://127.0.0.1:9/ok',
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_missing',
      param: 'line_items[0][quantity]',
    });
    await expect(stripe.customers.create({ email: 'x@example.com', nonsense: 1 } as never)).rejects.toMatchObject({
      code: 'parameter_unknown',
      param: 'nonsense',
    });
    await expect(stripe.subscriptions.retrieve('sub_nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
    const wrongKey = new Stripe('sk_test_wrong', {
      host: '127.0.0.1',
      port: standIn.apiPort,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await expect(wrongKey.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);

    const raw = await fetch(`${standIn.apiUrl}/v1/nope`, {
      headers: { authorization: `Bearer ${STRIPE_DEFAULT_SECRET_KEY}` },
    });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('Unrecognized request URL (GET: /v1/nope)'),
      },
    });
    const noSession = await fetch(`${sandbox.url}/stripe/pay/cs_test_nope`);
    expect(noSession.status).toBe(404);
  });

  it('registers webhook endpoints at runtime and resends events', async () => {
    const hits: string[] = [];
    const second = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const event = Stripe.webhooks.constructEvent(
          Buffer.concat(chunks),
          String(req.headers['stripe-signature']),
          String(created.secret),
        );
        hits.push(event.type);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => second.listen(0, '127.0.0.1', resolve));
    const created = await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${(second.address() as AddressInfo).port}/hook`,
      enabled_events: ['customer.created'],
    });
    expect(created.secret).toMatch(/^whsec_/);
    const customer = await stripe.customers.create({ email: 'third@example.com' });
    await waitFor(
      () => (hits.includes('customer.created') ? true : undefined),
      'customer.created on the runtime endpoint',
    );
    const events = await stripe.events.list({ type: 'customer.created', limit: 1 });
    expect((events.data[0].data.object as Stripe.Customer).id).toBe(customer.id);
    await fetch(`${sandbox.url}/stripe/_test/events/${events.data[0].id}/resend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint_id: created.id }),
    });
    await waitFor(() => (hits.length === 2 ? true : undefined), 'the resent event');
    expect(hits).toEqual(['customer.created', 'customer.created']);
    await stripe.webhookEndpoints.del(created.id);
    await new Promise<void>((resolve) => second.close(() => resolve()));
  });

  it('expires sessions and lets the portal page cancel at period end', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer_email: 'fourth@example.com',
      line_items: [{ price: 'price_enclave_yearly', quantity: 1 }],
      success_url: 'http://127.0.0.1:9/ok',
    });
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    expect((await fetch(`${sandbox.url}/stripe/pay/${session.id}`)).status).toBe(410);
    const late = await fetch(`${sandbox.url}/stripe/_test/checkout/sessions/${session.id}/complete`, {
      method: 'POST',
    });
    expect(late.status).toBe(400);

    const live = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer_email: 'fifth@example.com',
      line_items: [{ price: 'price_enclave_yearly', quantity: 1 }],
      success_url: 'http://127.0.0.1:9/ok',
    });
    const done = (await (
      await fetch(`${sandbox.url}/stripe/_test/checkout/sessions/${live.id}/complete`, { method: 'POST' })
    ).json()) as Stripe.Checkout.Session;
    const portal = await stripe.billingPortal.sessions.create({ customer: String(done.customer) });
    const cancel = await fetch(`${portal.url}/subscriptions/${String(done.subscription)}/cancel`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(cancel.status).toBe(303);
    const sub = await stripe.subscriptions.retrieve(String(done.subscription));
    expect(sub).toMatchObject({
      status: 'active',
      cancel_at_period_end: true,
      cancel_at: sub.items.data[0].current_period_end,
    });
    // At the end of the period the subscription ends instead of renewing.
    await fetch(`${sandbox.url}/stripe/_test/subscriptions/${sub.id}/renew`, { method: 'POST' });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
  });
});
