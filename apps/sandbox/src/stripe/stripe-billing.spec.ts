import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startStripeFixture, type StripeFixture, subscriptionCheckout, waitFor } from './stripe-spec-fixture';

/** Billing after Checkout through the real SDK: renewals, invoices, the portal, webhook endpoints. */
describe('Stripe stand-in: billing', () => {
  let fixture: StripeFixture;
  beforeAll(async () => (fixture = await startStripeFixture()));
  afterAll(() => fixture.close());

  it('drives the subscription lifecycle: failed renewal, payment, cancellation', async () => {
    const { stripe, received, receivedOf, control } = fixture;
    const session = await subscriptionCheckout(stripe, { customer_email: 'second@example.com' });
    const done = await control(`/checkout/sessions/${session.id}/complete`);
    expect(done.status).toBe(200);
    const completed = (await done.json()) as Stripe.Checkout.Session;
    const subId = String(completed.subscription);
    expect(((await stripe.customers.retrieve(String(completed.customer))) as Stripe.Customer).email).toBe(
      'second@example.com',
    );

    const failed = await control(`/subscriptions/${subId}/fail_next_invoice`);
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

    await control(`/invoices/${invoice.id}/pay`);
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

  it('registers webhook endpoints at runtime and resends events', async () => {
    const { stripe, control } = fixture;
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
    await control(`/events/${events.data[0].id}/resend`, { endpoint_id: created.id });
    await waitFor(() => (hits.length === 2 ? true : undefined), 'the resent event');
    expect(hits).toEqual(['customer.created', 'customer.created']);
    await stripe.webhookEndpoints.del(created.id);
    await new Promise<void>((resolve) => second.close(() => resolve()));
  });
});
