import Stripe from 'stripe';
import { STRIPE_API_VERSION, STRIPE_DEFAULT_SECRET_KEY } from './stripe.stand-in';
import {
  startStripeFixture,
  type StripeFixture,
  stripeSdk,
  subscriptionCheckout,
  waitFor,
} from './stripe-spec-fixture';
import type { DeliveryAttempt } from './stripe-webhooks';

/** Checkout through the real SDK: sessions, the hosted page, signed webhooks, errors. */
describe('Stripe stand-in: Checkout', () => {
  let fixture: StripeFixture;
  // The first checkout.session.completed delivery fails, so its retry is seen too.
  beforeAll(async () => (fixture = await startStripeFixture(['checkout.session.completed'])));
  afterAll(() => fixture.close());

  it('pins the API version the SDK speaks and serves configured prices', async () => {
    const { sandbox, standIn, stripe } = fixture;
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
    const { sandbox, stripe, received, rejected, receivedOf } = fixture;
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

  it('expires sessions and lets the portal page cancel at period end', async () => {
    const { sandbox, stripe, control } = fixture;
    const yearly = [{ price: 'price_enclave_yearly', quantity: 1 }];
    const session = await subscriptionCheckout(stripe, { customer_email: 'fourth@example.com', line_items: yearly });
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    expect((await fetch(`${sandbox.url}/stripe/pay/${session.id}`)).status).toBe(410);
    const late = await control(`/checkout/sessions/${session.id}/complete`);
    expect(late.status).toBe(400);

    const live = await subscriptionCheckout(stripe, { customer_email: 'fifth@example.com', line_items: yearly });
    const done = (await (await control(`/checkout/sessions/${live.id}/complete`)).json()) as Stripe.Checkout.Session;
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
    await control(`/subscriptions/${sub.id}/renew`);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
  });

  it('answers bad input with Stripe error shapes', async () => {
    const { sandbox, standIn, stripe } = fixture;
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
    const wrongKey = stripeSdk(standIn.apiPort, 'sk_test_wrong');
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
});
