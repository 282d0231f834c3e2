import type { Router } from 'express';
import type { ApiRoute } from './stripe-api';
import { type CardInput, chargeCard } from './stripe-cards';
import { invalidRequest } from './stripe-errors';
import { invoicePage, sendNotFound } from './stripe-pages';
import { allow, LIST_PARAMS, listResponse, str } from './stripe-params';
import { clone, now, stripeId, subscriptionItems } from './stripe-store';
import type { EventContext, StripeObject, StripeStore } from './stripe-store';

/**
 * Invoices of subscriptions (https://docs.stripe.com/api/invoices). As in the pinned API
 * version, an invoice names its subscription under `parent.subscription_details`.
 */

function invoiceSubscriptionId(invoice: StripeObject): string | undefined {
  return (invoice.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details
    ?.subscription;
}

function invoiceLines(store: StripeStore, sub: StripeObject, invoiceId: string) {
  return subscriptionItems(sub).map((item) => {
    const price = item.price as StripeObject;
    const amount = Number(price.unit_amount) * Number(item.quantity);
    const product = store.products.get(String(price.product));
    return {
      id: stripeId('il_'),
      object: 'line_item',
      amount,
      currency: price.currency,
      description: `${String(item.quantity)} × ${String(product?.name ?? price.product)}`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: invoiceId,
      livemode: false,
      metadata: {},
      parent: {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription: sub.id,
          subscription_item: item.id,
        },
        type: 'subscription_item_details',
      },
      period: { end: item.current_period_end, start: item.current_period_start },
      pretax_credit_amounts: [],
      pricing: {
        price_details: { price: price.id, product: price.product },
        type: 'price_details',
        unit_amount_decimal: String(price.unit_amount),
      },
      quantity: item.quantity,
      taxes: [],
    };
  });
}

/** Bills the subscription's current period: a finalized (open) invoice, not yet paid. */
export function createInvoice(
  store: StripeStore,
  sub: StripeObject,
  billingReason: 'subscription_create' | 'subscription_cycle',
  ctx: EventContext | null,
): StripeObject {
  const created = now();
  const id = stripeId('in_');
  const customer = store.getCustomer(String(sub.customer));
  const lines = invoiceLines(store, sub, id);
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  const number = `${String(customer.invoice_prefix)}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
  customer.next_invoice_sequence = Number(customer.next_invoice_sequence) + 1;
  const invoice: StripeObject = {
    id,
    object: 'invoice',
    account_country: 'FR',
    account_name: 'Enclave (sandbox)',
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, status: null },
    billing_reason: billingReason,
    collection_method: 'charge_automatically',
    created,
    currency: sub.currency,
    customer: customer.id,
    customer_email: customer.email,
    customer_name: customer.name,
    default_payment_method: null,
    description: null,
    due_date: null,
    effective_at: created,
    ending_balance: 0,
    hosted_invoice_url: `${store.baseUrl()}/stripe/invoices/${id}`,
    invoice_pdf: null,
    lines: { object: 'list', data: lines, has_more: false, total_count: lines.length, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number,
    parent: {
      quote_details: null,
      subscription_details: { metadata: clone(sub.metadata), subscription: sub.id },
      type: 'subscription_details',
    },
    period_end: lines[0]?.period.start ?? created,
    period_start: lines[0]?.period.start ?? created,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    total,
    webhooks_delivered_at: null,
  };
  store.invoices.set(id, invoice);
  store.emit('invoice.created', invoice, ctx);
  invoice.status = 'open';
  (invoice.status_transitions as Record<string, unknown>).finalized_at = created;
  store.emit('invoice.finalized', invoice, ctx);
  sub.latest_invoice = id;
  return invoice;
}

/** A payment attempt that succeeded: the invoice is paid. */
export function markInvoicePaid(store: StripeStore, invoice: StripeObject, ctx: EventContext | null): void {
  invoice.attempt_count = Number(invoice.attempt_count) + 1;
  invoice.attempted = true;
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = 'paid';
  invoice.next_payment_attempt = null;
  (invoice.status_transitions as Record<string, unknown>).paid_at = now();
  store.emit('invoice.paid', invoice, ctx);
  store.emit('invoice.payment_succeeded', invoice, ctx);
}

/** A payment attempt that failed: the invoice stays open, Stripe retries in 3 days. */
export function recordFailedAttempt(store: StripeStore, invoice: StripeObject, ctx: EventContext | null): void {
  invoice.attempt_count = Number(invoice.attempt_count) + 1;
  invoice.attempted = true;
  invoice.next_payment_attempt = now() + 3 * 86_400;
  store.emit('invoice.payment_failed', invoice, ctx);
}

/** Pays an open invoice (a retry succeeded or the customer updated the card). */
export function payInvoice(
  store: StripeStore,
  id: string,
  card: CardInput | null,
  ctx: EventContext | null,
): StripeObject {
  const invoice = store.getInvoice(id);
  if (invoice.status !== 'open') throw invalidRequest('Invoice is already paid', undefined, 'invoice_not_open');
  if (card) {
    try {
      chargeCard(card);
    } catch (error) {
      recordFailedAttempt(store, invoice, ctx);
      throw error;
    }
  }
  markInvoicePaid(store, invoice, ctx);
  const subId = invoiceSubscriptionId(invoice);
  const sub = subId ? store.subscriptions.get(subId) : undefined;
  if (sub && (sub.status === 'past_due' || sub.status === 'unpaid' || sub.status === 'incomplete')) {
    const previousStatus = sub.status;
    sub.status = 'active';
    store.emit('customer.subscription.updated', sub, ctx, { status: previousStatus });
  }
  return invoice;
}

/** A payment attempt on an open invoice fails: invoice.payment_failed, an active subscription turns past_due. */
export function failInvoice(store: StripeStore, id: string, ctx: EventContext | null): StripeObject {
  const invoice = store.getInvoice(id);
  if (invoice.status !== 'open')
    throw invalidRequest('Only open invoices can fail a payment attempt.', undefined, 'invoice_not_open');
  recordFailedAttempt(store, invoice, ctx);
  const subId = invoiceSubscriptionId(invoice);
  const sub = subId ? store.subscriptions.get(subId) : undefined;
  if (sub && sub.status === 'active') {
    sub.status = 'past_due';
    store.emit('customer.subscription.updated', sub, ctx, { status: 'active' });
  }
  return invoice;
}

export function invoiceRoutes(route: ApiRoute, store: StripeStore): void {
  route('get', '/invoices/:id', ({ req }) => store.getInvoice(String(req.params.id)));
  route('get', '/invoices', ({ params }) => {
    allow(params, ['customer', 'subscription', 'status', 'collection_method', ...LIST_PARAMS]);
    const customer = str(params, 'customer');
    const subscription = str(params, 'subscription');
    const status = str(params, 'status');
    const items = [...store.invoices.values()].filter(
      (i) =>
        (!customer || i.customer === customer) &&
        (!status || i.status === status) &&
        (!subscription || invoiceSubscriptionId(i) === subscription),
    );
    return listResponse(items, params, '/v1/invoices');
  });
}

/** The invoice's `hosted_invoice_url`. */
export function hostedInvoiceRoutes(router: Router, store: StripeStore): void {
  router.get('/invoices/:id', (req, res) => {
    const invoice = store.invoices.get(req.params.id);
    if (invoice) res.type('html').send(invoicePage(invoice));
    else sendNotFound(res, 'No such invoice.');
  });
}
