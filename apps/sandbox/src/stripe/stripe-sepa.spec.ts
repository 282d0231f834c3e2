import type Stripe from 'stripe';
import { startStripeFixture, type StripeFixture, subscriptionCheckout, waitFor } from './stripe-spec-fixture';

/** Checkout with SEPA Direct Debit: completed unpaid, then settled later, signed events through the real SDK. */
describe('Stripe stand-in: SEPA Direct Debit (delayed notification)', () => {
  let fixture: StripeFixture;
  beforeAll(async () => (fixture = await startStripeFixture()));
  afterAll(() => fixture.close());

  const sessionEvent = (type: string, sessionId: string) =>
    waitFor(
      () =>
        fixture
          .receivedOf(type)
          .map((r) => r.event.data.object as Stripe.Checkout.Session)
          .find((s) => s.id === sessionId),
      `${type} for ${sessionId}`,
    );

  async function completeWithIban(email: string, iban: string) {
    const session = await subscriptionCheckout(fixture.stripe, { customer_email: email });
    expect(session.payment_method_types).toEqual(['card', 'sepa_debit']);
    const res = await fixture.control(`/checkout/sessions/${session.id}/complete`, {
      payment_method: 'sepa_debit',
      iban,
    });
    expect(res.status).toBe(200);
    const completed = await sessionEvent('checkout.session.completed', session.id);
    expect(completed).toMatchObject({ object: 'checkout.session', status: 'complete', payment_status: 'unpaid' });
    const subscription = await fixture.stripe.subscriptions.retrieve(String(completed.subscription), {
      expand: ['latest_invoice', 'default_payment_method'],
    });
    expect(subscription.status).toBe('active');
    expect(subscription.latest_invoice).toMatchObject({ billing_reason: 'subscription_create', status: 'open' });
    expect(subscription.default_payment_method).toMatchObject({
      type: 'sepa_debit',
      sepa_debit: { country: iban.slice(0, 2), last4: iban.replace(/\s/g, '').slice(-4) },
    });
    return { session, subscription };
  }

  it('a test IBAN that succeeds: completed unpaid, then async_payment_succeeded, invoice paid', async () => {
    const { session, subscription } = await completeWithIban('sepa-ok@example.com', 'DE89 3704 0044 0532 0130 00');
    expect((await fixture.control(`/checkout/sessions/${session.id}/settle`)).status).toBe(200);
    const settled = await sessionEvent('checkout.session.async_payment_succeeded', session.id);
    expect(settled).toMatchObject({ payment_status: 'paid', subscription: subscription.id });
    expect((await fixture.stripe.invoices.retrieve(String(settled.invoice))).status).toBe('paid');
    expect((await fixture.stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
    // Settled once only.
    expect((await fixture.control(`/checkout/sessions/${session.id}/settle`)).status).toBe(400);
  });

  it('a test IBAN that fails: async_payment_failed, invoice still open, subscription past due', async () => {
    const { session, subscription } = await completeWithIban('sepa-ko@example.com', 'DE62370400440532013001');
    await fixture.control(`/checkout/sessions/${session.id}/settle`);
    const failed = await sessionEvent('checkout.session.async_payment_failed', session.id);
    expect(failed.payment_status).toBe('unpaid');
    const invoice = await fixture.stripe.invoices.retrieve(String(failed.invoice));
    expect(invoice).toMatchObject({ status: 'open', attempted: true });
    expect((await fixture.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const succeeded = fixture.receivedOf('checkout.session.async_payment_succeeded');
    expect(succeeded.filter((r) => (r.event.data.object as { id: string }).id === session.id)).toEqual([]);
  });

  it('refuses an invalid IBAN, and settling a card checkout', async () => {
    const session = await subscriptionCheckout(fixture.stripe, { customer_email: 'sepa-bad@example.com' });
    const bad = await fixture.control(`/checkout/sessions/${session.id}/complete`, {
      payment_method: 'sepa_debit',
      iban: 'DE00370400440532013000',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('sepa_debit[iban]');
    expect((await fixture.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    await fixture.control(`/checkout/sessions/${session.id}/complete`, {});
    expect((await fixture.control(`/checkout/sessions/${session.id}/settle`)).status).toBe(400);
  });
});
