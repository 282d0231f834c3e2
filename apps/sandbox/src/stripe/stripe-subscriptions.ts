import type { ApiRoute } from './stripe-api';
import { invalidRequest } from './stripe-errors';
import { createInvoice, markInvoicePaid, recordFailedAttempt } from './stripe-invoices';
import { allow, bool, LIST_PARAMS, listResponse, metadata, type Params, str } from './stripe-params';
import { clone, mergeMetadata, now, stripeId, subscriptionItems } from './stripe-store';
import type { EventContext, LineItemInput, Metadata, StripeObject, StripeStore } from './stripe-store';

/**
 * Subscriptions (https://docs.stripe.com/api/subscriptions): created by Checkout, billed per
 * period on their items (`items.data[].current_period_end`, as in the pinned API version).
 */

export interface SubscriptionUpdate {
  cancelAtPeriodEnd?: boolean;
  metadata?: Metadata;
  status?: string;
  cancellationComment?: string | null;
}

function addInterval(start: number, interval: string, count: number): number {
  const d = new Date(start * 1000);
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + count);
  else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7 * count);
  else if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + count);
  else d.setUTCFullYear(d.getUTCFullYear() + count);
  return Math.floor(d.getTime() / 1000);
}

/**
 * A subscription started by Checkout. `paid`: its first invoice is paid at once (the card was
 * just charged). `processing`: a delayed-notification payment (SEPA Direct Debit) was started;
 * the subscription is active and its first invoice stays open until the debit settles.
 */
export function createSubscription(
  store: StripeStore,
  customerId: string,
  lineItems: LineItemInput[],
  subscriptionMetadata: Metadata,
  paymentMethod: string,
  ctx: EventContext | null,
  firstPayment: 'paid' | 'processing' = 'paid',
): StripeObject {
  const start = now();
  const id = stripeId('sub_');
  const items = lineItems.map((li) => {
    const price = store.getPrice(li.price);
    const recurring = price.recurring as { interval: string; interval_count: number };
    return {
      id: stripeId('si_', 14),
      object: 'subscription_item',
      billing_thresholds: null,
      created: start,
      current_period_end: addInterval(start, recurring.interval, recurring.interval_count),
      current_period_start: start,
      discounts: [],
      metadata: {},
      price: clone(price),
      quantity: li.quantity,
      subscription: id,
      tax_rates: [],
    };
  });
  const sub: StripeObject = {
    id,
    object: 'subscription',
    application: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: start,
    billing_mode: { type: 'flexible' },
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created: start,
    currency: items[0].price.currency,
    customer: customerId,
    days_until_due: null,
    default_payment_method: paymentMethod,
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: items,
      has_more: false,
      total_count: items.length,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    metadata: subscriptionMetadata,
    pause_collection: null,
    pending_update: null,
    start_date: start,
    status: 'incomplete',
    test_clock: null,
    trial_end: null,
    trial_start: null,
  };
  store.subscriptions.set(id, sub);
  store.emit('customer.subscription.created', sub, ctx);
  const invoice = createInvoice(store, sub, 'subscription_create', ctx);
  if (firstPayment === 'paid') markInvoicePaid(store, invoice, ctx);
  sub.status = 'active';
  store.emit('customer.subscription.updated', sub, ctx, { status: 'incomplete', latest_invoice: null });
  return sub;
}

/** Starts the next billing period: a new invoice that is paid, or fails (subscription past_due). */
export function renewSubscription(
  store: StripeStore,
  id: string,
  outcome: 'paid' | 'failed',
  ctx: EventContext | null,
): { subscription: StripeObject; invoice: StripeObject } {
  const sub = store.getSubscription(id);
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired')
    throw invalidRequest(`Subscription ${id} is ${String(sub.status)} and cannot renew.`);
  if (sub.cancel_at_period_end) {
    // The period ends and the subscription with it, no new invoice.
    cancelSubscription(store, id, ctx);
    return { subscription: sub, invoice: store.getInvoice(String(sub.latest_invoice)) };
  }
  const previous = { items: clone(sub.items), latest_invoice: sub.latest_invoice, status: sub.status };
  for (const item of subscriptionItems(sub)) {
    const recurring = (item.price as StripeObject).recurring as { interval: string; interval_count: number };
    item.current_period_start = item.current_period_end;
    item.current_period_end = addInterval(
      Number(item.current_period_end),
      recurring.interval,
      recurring.interval_count,
    );
  }
  const invoice = createInvoice(store, sub, 'subscription_cycle', ctx);
  if (outcome === 'paid') {
    markInvoicePaid(store, invoice, ctx);
    sub.status = 'active';
  } else {
    recordFailedAttempt(store, invoice, ctx);
    sub.status = 'past_due';
  }
  const changed: Record<string, unknown> = { items: previous.items, latest_invoice: previous.latest_invoice };
  if (previous.status !== sub.status) changed.status = previous.status;
  store.emit('customer.subscription.updated', sub, ctx, changed);
  return { subscription: sub, invoice };
}

const CANCELED_ONLY_UPDATES = 'A canceled subscription can only update its cancellation_details and metadata.';

export function updateSubscription(
  store: StripeStore,
  id: string,
  params: SubscriptionUpdate,
  ctx: EventContext | null,
): StripeObject {
  const sub = store.getSubscription(id);
  if (sub.status === 'canceled' && (params.cancelAtPeriodEnd !== undefined || params.status !== undefined)) {
    throw invalidRequest(CANCELED_ONLY_UPDATES);
  }
  const previous: Record<string, unknown> = {};
  if (params.cancelAtPeriodEnd !== undefined && params.cancelAtPeriodEnd !== sub.cancel_at_period_end) {
    previous.cancel_at_period_end = sub.cancel_at_period_end;
    previous.cancel_at = sub.cancel_at;
    previous.canceled_at = sub.canceled_at;
    previous.cancellation_details = clone(sub.cancellation_details);
    sub.cancel_at_period_end = params.cancelAtPeriodEnd;
    const periodEnd = subscriptionItems(sub)[0]?.current_period_end ?? null;
    sub.cancel_at = params.cancelAtPeriodEnd ? periodEnd : null;
    sub.canceled_at = params.cancelAtPeriodEnd ? now() : null;
    sub.cancellation_details = {
      comment: params.cancellationComment ?? null,
      feedback: null,
      reason: params.cancelAtPeriodEnd ? 'cancellation_requested' : null,
    };
  }
  if (params.metadata) {
    previous.metadata = clone(sub.metadata);
    sub.metadata = mergeMetadata(sub.metadata as Metadata, params.metadata);
  }
  if (params.status !== undefined && params.status !== sub.status) {
    const allowed = ['active', 'past_due', 'unpaid', 'paused', 'incomplete', 'trialing'];
    if (!allowed.includes(params.status))
      throw invalidRequest(`Invalid status: must be one of ${allowed.join(', ')}`, 'status');
    previous.status = sub.status;
    sub.status = params.status;
  }
  if (Object.keys(previous).length) store.emit('customer.subscription.updated', sub, ctx, previous);
  return sub;
}

export function cancelSubscription(
  store: StripeStore,
  id: string,
  ctx: EventContext | null,
  comment: string | null = null,
): StripeObject {
  const sub = store.getSubscription(id);
  if (sub.status === 'canceled') throw invalidRequest(CANCELED_ONLY_UPDATES);
  const t = now();
  sub.status = 'canceled';
  sub.canceled_at = sub.canceled_at ?? t;
  sub.ended_at = t;
  sub.cancellation_details = { comment, feedback: null, reason: 'cancellation_requested' };
  store.emit('customer.subscription.deleted', sub, ctx);
  return sub;
}

export function subscriptionRoutes(route: ApiRoute, store: StripeStore): void {
  route('get', '/subscriptions/:id', ({ req }) => store.getSubscription(String(req.params.id)));
  route('get', '/subscriptions', ({ params }) => {
    allow(params, ['customer', 'status', 'price', ...LIST_PARAMS]);
    const customer = str(params, 'customer');
    const status = str(params, 'status') ?? 'all_but_canceled';
    const items = [...store.subscriptions.values()].filter(
      (s) =>
        (!customer || s.customer === customer) &&
        (status === 'all' || (status === 'all_but_canceled' ? s.status !== 'canceled' : s.status === status)),
    );
    return listResponse(items, params, '/v1/subscriptions');
  });
  route('post', '/subscriptions/:id', ({ params, req, events }) => {
    allow(params, ['cancel_at_period_end', 'metadata', 'cancellation_details', 'proration_behavior', 'description']);
    const details = params.cancellation_details as Params | undefined;
    return updateSubscription(
      store,
      String(req.params.id),
      {
        cancelAtPeriodEnd: bool(params, 'cancel_at_period_end'),
        metadata: metadata(params),
        cancellationComment: details && typeof details.comment === 'string' ? details.comment : undefined,
      },
      events,
    );
  });
  route('delete', '/subscriptions/:id', ({ params, req, events }) => {
    allow(params, ['invoice_now', 'prorate', 'cancellation_details']);
    return cancelSubscription(store, String(req.params.id), events);
  });
}
