import { randomBytes } from 'node:crypto';
import { cardDeclined, invalidRequest, noSuch, StripeApiError } from './stripe-errors';
import { newWebhookSecret, subscribes, type WebhookDeliverer, type WebhookEndpoint } from './stripe-webhooks';

/**
 * In-memory Stripe account: the objects the control plane touches, shaped as the pinned
 * API version documents them (https://docs.stripe.com/api), and the events their changes emit.
 */

/** The API version this stand-in speaks; it is the one the installed `stripe` SDK pins. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export interface StripePriceConfig {
  readonly id: string;
  readonly unitAmount: number;
  readonly currency: string;
  /** Omit for a one-time price. */
  readonly interval?: 'day' | 'week' | 'month' | 'year';
  readonly intervalCount?: number;
  readonly productId?: string;
  readonly productName?: string;
  readonly lookupKey?: string;
  readonly nickname?: string;
}

export const STRIPE_DEFAULT_PRICES: readonly StripePriceConfig[] = [
  {
    id: 'price_enclave_monthly',
    unitAmount: 2900,
    currency: 'eur',
    interval: 'month',
    productId: 'prod_enclave',
    productName: 'Enclave workspace',
    lookupKey: 'enclave_monthly',
  },
  {
    id: 'price_enclave_yearly',
    unitAmount: 29000,
    currency: 'eur',
    interval: 'year',
    productId: 'prod_enclave',
    productName: 'Enclave workspace',
    lookupKey: 'enclave_yearly',
  },
];

export type Metadata = Record<string, string>;

export interface StripeObject {
  id: string;
  object: string;
  [key: string]: unknown;
}

interface LineItemInput {
  price: string;
  quantity: number;
}

interface SessionInternal {
  lineItems: LineItemInput[];
  subscriptionMetadata: Metadata;
}

export interface CardInput {
  number?: string;
  email?: string;
  name?: string;
}

const TEST_DECLINES: Record<string, [string, string]> = {
  '4000000000000002': ['generic_decline', 'Your card was declined.'],
  '4000000000009995': ['insufficient_funds', 'Your card has insufficient funds.'],
  '4000000000009987': ['lost_card', 'Your card was declined.'],
  '4000000000000069': ['expired_card', 'Your card has expired.'],
  '4000000000000341': ['generic_decline', 'Your card was declined.'],
  '4000000000000119': ['processing_error', 'An error occurred while processing your card. Try again in a little bit.'],
};

const BRANDS: Array<[RegExp, string]> = [
  [/^4/, 'visa'],
  [/^5[1-5]|^2[2-7]/, 'mastercard'],
  [/^3[47]/, 'amex'],
  [/^6(?:011|5)/, 'discover'],
];

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE62[b % 62];
  return `${prefix}${out}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function addInterval(start: number, interval: string, count: number): number {
  const d = new Date(start * 1000);
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + count);
  else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7 * count);
  else if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + count);
  else d.setUTCFullYear(d.getUTCFullYear() + count);
  return Math.floor(d.getTime() / 1000);
}

export interface EventContext {
  requestId: string | null;
  idempotencyKey: string | null;
}

export class StripeStore {
  readonly customers = new Map<string, StripeObject>();
  readonly products = new Map<string, StripeObject>();
  readonly prices = new Map<string, StripeObject>();
  readonly sessions = new Map<string, StripeObject>();
  readonly sessionInternals = new Map<string, SessionInternal>();
  readonly subscriptions = new Map<string, StripeObject>();
  readonly invoices = new Map<string, StripeObject>();
  readonly paymentMethods = new Map<string, StripeObject>();
  readonly portalSessions = new Map<string, StripeObject>();
  readonly events: StripeObject[] = [];
  readonly endpoints = new Map<string, WebhookEndpoint>();

  constructor(
    prices: readonly StripePriceConfig[],
    private readonly deliverer: WebhookDeliverer,
    private readonly baseUrl: () => string,
  ) {
    const created = now();
    for (const p of prices) {
      const productId = p.productId ?? `prod_${p.id.replace(/^price_/, '')}`;
      if (!this.products.has(productId)) {
        this.products.set(productId, {
          id: productId,
          object: 'product',
          active: true,
          created,
          default_price: p.id,
          description: null,
          images: [],
          livemode: false,
          marketing_features: [],
          metadata: {},
          name: p.productName ?? productId,
          package_dimensions: null,
          shippable: null,
          statement_descriptor: null,
          tax_code: null,
          unit_label: null,
          updated: created,
          url: null,
        });
      }
      this.prices.set(p.id, {
        id: p.id,
        object: 'price',
        active: true,
        billing_scheme: 'per_unit',
        created,
        currency: p.currency,
        custom_unit_amount: null,
        livemode: false,
        lookup_key: p.lookupKey ?? null,
        metadata: {},
        nickname: p.nickname ?? null,
        product: productId,
        recurring: p.interval
          ? {
              interval: p.interval,
              interval_count: p.intervalCount ?? 1,
              meter: null,
              trial_period_days: null,
              usage_type: 'licensed',
            }
          : null,
        tax_behavior: 'unspecified',
        tiers_mode: null,
        transform_quantity: null,
        type: p.interval ? 'recurring' : 'one_time',
        unit_amount: p.unitAmount,
        unit_amount_decimal: String(p.unitAmount),
      });
    }
  }

  // ---------- webhooks & events ----------

  addEndpoint(
    url: string,
    enabledEvents: string[],
    secret?: string,
    description: string | null = null,
    metadata: Metadata = {},
  ): WebhookEndpoint {
    const endpoint: WebhookEndpoint = {
      id: stripeId('we_'),
      url,
      secret: secret ?? newWebhookSecret(),
      enabledEvents,
      description,
      metadata,
      created: now(),
      status: 'enabled',
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  emit(
    type: string,
    object: StripeObject,
    context: EventContext | null,
    previousAttributes?: Record<string, unknown>,
  ): StripeObject {
    const targets = [...this.endpoints.values()].filter((e) => subscribes(e, type));
    const event: StripeObject = {
      id: stripeId('evt_'),
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: now(),
      data: {
        object: clone(object),
        ...(previousAttributes ? { previous_attributes: clone(previousAttributes) } : {}),
      },
      livemode: false,
      pending_webhooks: targets.length,
      request: { id: context?.requestId ?? null, idempotency_key: context?.idempotencyKey ?? null },
      type,
    };
    this.events.push(event);
    for (const endpoint of targets) this.send(event, endpoint);
    return event;
  }

  send(event: StripeObject, endpoint: WebhookEndpoint): void {
    this.deliverer.deliver({ id: event.id, type: String(event.type) }, JSON.stringify(event, null, 2), endpoint);
  }

  markDelivered(eventId: string): void {
    const event = this.events.find((e) => e.id === eventId);
    if (event && typeof event.pending_webhooks === 'number' && event.pending_webhooks > 0) event.pending_webhooks -= 1;
  }

  // ---------- customers ----------

  createCustomer(
    params: {
      email?: string | null;
      name?: string | null;
      description?: string | null;
      phone?: string | null;
      metadata?: Metadata;
    },
    ctx: EventContext | null,
  ): StripeObject {
    const customer: StripeObject = {
      id: stripeId('cus_', 14),
      object: 'customer',
      address: null,
      balance: 0,
      created: now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: params.description ?? null,
      discount: null,
      email: params.email ?? null,
      invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: params.metadata ?? {},
      name: params.name ?? null,
      next_invoice_sequence: 1,
      phone: params.phone ?? null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    this.customers.set(customer.id, customer);
    this.emit('customer.created', customer, ctx);
    return customer;
  }

  updateCustomer(
    id: string,
    params: {
      email?: string | null;
      name?: string | null;
      description?: string | null;
      phone?: string | null;
      metadata?: Metadata;
    },
    ctx: EventContext | null,
  ): StripeObject {
    const customer = this.getCustomer(id);
    const previous: Record<string, unknown> = {};
    for (const key of ['email', 'name', 'description', 'phone'] as const) {
      if (params[key] !== undefined && params[key] !== customer[key]) {
        previous[key] = customer[key];
        customer[key] = params[key];
      }
    }
    if (params.metadata) {
      previous.metadata = clone(customer.metadata);
      customer.metadata = mergeMetadata(customer.metadata as Metadata, params.metadata);
    }
    if (Object.keys(previous).length) this.emit('customer.updated', customer, ctx, previous);
    return customer;
  }

  getCustomer(id: string, param = 'id'): StripeObject {
    const customer = this.customers.get(id);
    if (!customer || customer.deleted) throw noSuch('customer', id, param);
    return customer;
  }

  deleteCustomer(id: string, ctx: EventContext | null): StripeObject {
    const customer = this.getCustomer(id);
    for (const sub of this.subscriptions.values()) {
      if (sub.customer === id && sub.status !== 'canceled' && sub.status !== 'incomplete_expired')
        this.cancelSubscription(sub.id, ctx);
    }
    this.customers.delete(id);
    this.emit('customer.deleted', customer, ctx);
    return { id, object: 'customer', deleted: true };
  }

  getPrice(id: string, param = 'id'): StripeObject {
    const price = this.prices.get(id);
    if (!price) throw noSuch('price', id, param);
    return price;
  }

  // ---------- checkout ----------

  createCheckoutSession(
    params: {
      mode: 'subscription' | 'payment';
      lineItems: LineItemInput[];
      successUrl: string;
      cancelUrl: string | null;
      customer: string | null;
      customerEmail: string | null;
      clientReferenceId: string | null;
      metadata: Metadata;
      subscriptionMetadata: Metadata;
      expiresAt: number | null;
      locale: string | null;
    },
    sessionTtlSeconds: number,
  ): StripeObject {
    const id = stripeId('cs_test_', 58);
    const created = now();
    const currencies = new Set(params.lineItems.map((li) => String(this.getPrice(li.price).currency)));
    if (currencies.size > 1)
      throw invalidRequest('All prices on a Checkout Session must use the same currency.', 'line_items');
    const amount = params.lineItems.reduce(
      (sum, li) => sum + Number(this.getPrice(li.price).unit_amount) * li.quantity,
      0,
    );
    const customerEmail = params.customer
      ? (this.getCustomer(params.customer, 'customer').email as string | null)
      : params.customerEmail;
    const session: StripeObject = {
      id,
      object: 'checkout.session',
      adaptive_pricing: null,
      after_expiration: null,
      allow_promotion_codes: null,
      amount_subtotal: amount,
      amount_total: amount,
      automatic_tax: { enabled: false, liability: null, status: null },
      billing_address_collection: null,
      cancel_url: params.cancelUrl,
      client_reference_id: params.clientReferenceId,
      client_secret: null,
      consent: null,
      consent_collection: null,
      created,
      currency: [...currencies][0],
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer: params.customer,
      customer_creation: params.customer ? null : 'always',
      customer_details: customerEmail
        ? { address: null, email: customerEmail, name: null, phone: null, tax_exempt: 'none', tax_ids: null }
        : null,
      customer_email: params.customerEmail,
      expires_at: params.expiresAt ?? created + sessionTtlSeconds,
      invoice: null,
      invoice_creation: null,
      livemode: false,
      locale: params.locale,
      metadata: params.metadata,
      mode: params.mode,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: params.mode === 'subscription' ? 'always' : null,
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      phone_number_collection: { enabled: false },
      recovered_from: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      status: 'open',
      submit_type: null,
      subscription: null,
      success_url: params.successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted',
      url: `${this.baseUrl()}/stripe/pay/${id}`,
    };
    this.sessions.set(id, session);
    this.sessionInternals.set(id, { lineItems: params.lineItems, subscriptionMetadata: params.subscriptionMetadata });
    return session;
  }

  getSession(id: string): StripeObject {
    const session = this.sessions.get(id);
    if (!session) throw noSuch('checkout.session', id, 'session');
    this.expireIfDue(session);
    return session;
  }

  private expireIfDue(session: StripeObject): void {
    if (session.status === 'open' && Number(session.expires_at) <= now()) this.expireSession(session.id, null);
  }

  sessionLineItems(id: string): StripeObject {
    const internal = this.sessionInternals.get(id);
    const data = (internal?.lineItems ?? []).map((li) => {
      const price = this.getPrice(li.price);
      const product = this.products.get(String(price.product));
      const amount = Number(price.unit_amount) * li.quantity;
      return {
        id: stripeId('li_'),
        object: 'item',
        amount_discount: 0,
        amount_subtotal: amount,
        amount_tax: 0,
        amount_total: amount,
        currency: price.currency,
        description: product?.name ?? null,
        price: clone(price),
        quantity: li.quantity,
      };
    });
    return {
      id: `${id}_line_items`,
      object: 'list',
      data,
      has_more: false,
      url: `/v1/checkout/sessions/${id}/line_items`,
    };
  }

  expireSession(id: string, ctx: EventContext | null): StripeObject {
    const session = this.sessions.get(id);
    if (!session) throw noSuch('checkout.session', id, 'session');
    if (session.status !== 'open') {
      throw invalidRequest(
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${String(session.status)}".`,
      );
    }
    session.status = 'expired';
    session.url = null;
    this.emit('checkout.session.expired', session, ctx);
    return session;
  }

  /** Checks a test card the way Stripe's test mode does; throws the card error Stripe would. */
  chargeCard(card: CardInput): { brand: string; last4: string } {
    const number = (card.number ?? '4242424242424242').replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(number) || !luhn(number))
      throw cardDeclined('incorrect_number', 'Your card number is incorrect.');
    const decline = TEST_DECLINES[number];
    if (decline) throw cardDeclined(decline[0], decline[1]);
    const brand = BRANDS.find(([re]) => re.test(number))?.[1] ?? 'unknown';
    return { brand, last4: number.slice(-4) };
  }

  private attachPaymentMethod(
    customerId: string,
    card: { brand: string; last4: string },
    ctx: EventContext | null,
  ): StripeObject {
    const year = new Date().getUTCFullYear() + 3;
    const pm: StripeObject = {
      id: stripeId('pm_'),
      object: 'payment_method',
      billing_details: { address: null, email: null, name: null, phone: null },
      card: { brand: card.brand, country: 'US', exp_month: 12, exp_year: year, funding: 'credit', last4: card.last4 },
      created: now(),
      customer: customerId,
      livemode: false,
      metadata: {},
      type: 'card',
    };
    this.paymentMethods.set(pm.id, pm);
    this.emit('payment_method.attached', pm, ctx);
    const customer = this.getCustomer(customerId);
    const previous = clone(customer.invoice_settings);
    (customer.invoice_settings as Record<string, unknown>).default_payment_method = pm.id;
    this.emit('customer.updated', customer, ctx, { invoice_settings: previous });
    return pm;
  }

  /** Completes an open session as a successful payment: customer, subscription, paid invoice, events. */
  completeSession(id: string, card: CardInput, ctx: EventContext | null): StripeObject {
    const session = this.getSession(id);
    if (session.status !== 'open') {
      throw invalidRequest(
        `This Checkout Session is no longer active (status: ${String(session.status)}).`,
        undefined,
        'checkout_session_inactive',
      );
    }
    const charged = this.chargeCard(card); // throws on a declining test card: the session stays open
    const internal = this.sessionInternals.get(id) as SessionInternal;
    const email = (session.customer_details as { email?: string } | null)?.email ?? card.email ?? null;
    let customerId = session.customer as string | null;
    if (!customerId) {
      if (!email) throw invalidRequest('An email address is required to complete this Checkout Session.', 'email');
      customerId = this.createCustomer({ email, name: card.name ?? null }, ctx).id;
    }
    const pm = this.attachPaymentMethod(customerId, charged, ctx);
    session.customer = customerId;
    session.customer_details = {
      address: null,
      email: email ?? this.getCustomer(customerId).email,
      name: card.name ?? null,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    };
    if (session.mode === 'subscription') {
      const sub = this.createSubscription(customerId, internal.lineItems, internal.subscriptionMetadata, pm.id, ctx);
      session.subscription = sub.id;
      session.invoice = sub.latest_invoice;
    } else {
      session.payment_intent = stripeId('pi_');
    }
    session.status = 'complete';
    session.payment_status = 'paid';
    session.url = null;
    this.emit('checkout.session.completed', session, ctx);
    return session;
  }

  // ---------- subscriptions & invoices ----------

  private createSubscription(
    customerId: string,
    lineItems: LineItemInput[],
    metadata: Metadata,
    paymentMethod: string,
    ctx: EventContext | null,
  ): StripeObject {
    const start = now();
    const id = stripeId('sub_');
    const items = lineItems.map((li) => {
      const price = this.getPrice(li.price);
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
      metadata,
      pause_collection: null,
      pending_update: null,
      start_date: start,
      status: 'incomplete',
      test_clock: null,
      trial_end: null,
      trial_start: null,
    };
    this.subscriptions.set(id, sub);
    this.emit('customer.subscription.created', sub, ctx);
    const invoice = this.createInvoice(sub, 'subscription_create', ctx);
    this.payInvoiceObject(invoice, ctx);
    sub.status = 'active';
    this.emit('customer.subscription.updated', sub, ctx, { status: 'incomplete', latest_invoice: null });
    return sub;
  }

  getSubscription(id: string, param = 'id'): StripeObject {
    const sub = this.subscriptions.get(id);
    if (!sub) throw noSuch('subscription', id, param);
    return sub;
  }

  getInvoice(id: string, param = 'id'): StripeObject {
    const invoice = this.invoices.get(id);
    if (!invoice) throw noSuch('invoice', id, param);
    return invoice;
  }

  private createInvoice(
    sub: StripeObject,
    billingReason: 'subscription_create' | 'subscription_cycle',
    ctx: EventContext | null,
  ): StripeObject {
    const items = (sub.items as { data: Array<Record<string, unknown>> }).data;
    const created = now();
    const id = stripeId('in_');
    const customer = this.getCustomer(String(sub.customer));
    const lines = items.map((item) => {
      const price = item.price as StripeObject;
      const amount = Number(price.unit_amount) * Number(item.quantity);
      const product = this.products.get(String(price.product));
      return {
        id: stripeId('il_'),
        object: 'line_item',
        amount,
        currency: price.currency,
        description: `${String(item.quantity)} × ${String(product?.name ?? price.product)}`,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: id,
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
      hosted_invoice_url: `${this.baseUrl()}/stripe/invoices/${id}`,
      invoice_pdf: null,
      lines: {
        object: 'list',
        data: lines,
        has_more: false,
        total_count: lines.length,
        url: `/v1/invoices/${id}/lines`,
      },
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
    this.invoices.set(id, invoice);
    this.emit('invoice.created', invoice, ctx);
    invoice.status = 'open';
    (invoice.status_transitions as Record<string, unknown>).finalized_at = created;
    this.emit('invoice.finalized', invoice, ctx);
    sub.latest_invoice = id;
    return invoice;
  }

  private payInvoiceObject(invoice: StripeObject, ctx: EventContext | null): void {
    invoice.attempt_count = Number(invoice.attempt_count) + 1;
    invoice.attempted = true;
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.status = 'paid';
    invoice.next_payment_attempt = null;
    (invoice.status_transitions as Record<string, unknown>).paid_at = now();
    this.emit('invoice.paid', invoice, ctx);
    this.emit('invoice.payment_succeeded', invoice, ctx);
  }

  private failInvoiceObject(invoice: StripeObject, ctx: EventContext | null): void {
    invoice.attempt_count = Number(invoice.attempt_count) + 1;
    invoice.attempted = true;
    invoice.next_payment_attempt = now() + 3 * 86_400;
    this.emit('invoice.payment_failed', invoice, ctx);
  }

  /** Starts the next billing period: a new invoice that is paid, or fails (subscription past_due). */
  renewSubscription(
    id: string,
    outcome: 'paid' | 'failed',
    ctx: EventContext | null,
  ): { subscription: StripeObject; invoice: StripeObject } {
    const sub = this.getSubscription(id);
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired')
      throw invalidRequest(`Subscription ${id} is ${String(sub.status)} and cannot renew.`);
    if (sub.cancel_at_period_end) {
      // The period ends and the subscription with it, no new invoice.
      this.cancelSubscription(id, ctx);
      return { subscription: sub, invoice: this.getInvoice(String(sub.latest_invoice)) };
    }
    const previous = { items: clone(sub.items), latest_invoice: sub.latest_invoice, status: sub.status };
    for (const item of (sub.items as { data: Array<Record<string, unknown>> }).data) {
      const recurring = (item.price as StripeObject).recurring as { interval: string; interval_count: number };
      item.current_period_start = item.current_period_end;
      item.current_period_end = addInterval(
        Number(item.current_period_end),
        recurring.interval,
        recurring.interval_count,
      );
    }
    const invoice = this.createInvoice(sub, 'subscription_cycle', ctx);
    if (outcome === 'paid') {
      this.payInvoiceObject(invoice, ctx);
      sub.status = 'active';
    } else {
      this.failInvoiceObject(invoice, ctx);
      sub.status = 'past_due';
    }
    const changed: Record<string, unknown> = { items: previous.items, latest_invoice: previous.latest_invoice };
    if (previous.status !== sub.status) changed.status = previous.status;
    this.emit('customer.subscription.updated', sub, ctx, changed);
    return { subscription: sub, invoice };
  }

  /** Pays an open invoice (a retry succeeded or the customer updated the card). */
  payInvoice(id: string, card: CardInput | null, ctx: EventContext | null): StripeObject {
    const invoice = this.getInvoice(id);
    if (invoice.status !== 'open') throw invalidRequest('Invoice is already paid', undefined, 'invoice_not_open');
    if (card) {
      try {
        this.chargeCard(card);
      } catch (error) {
        this.failInvoiceObject(invoice, ctx);
        throw error;
      }
    }
    this.payInvoiceObject(invoice, ctx);
    const subId = (invoice.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details
      ?.subscription;
    const sub = subId ? this.subscriptions.get(subId) : undefined;
    if (sub && (sub.status === 'past_due' || sub.status === 'unpaid' || sub.status === 'incomplete')) {
      const previousStatus = sub.status;
      sub.status = 'active';
      this.emit('customer.subscription.updated', sub, ctx, { status: previousStatus });
    }
    return invoice;
  }

  /** A payment attempt on an open invoice fails: invoice.payment_failed, an active subscription turns past_due. */
  failInvoice(id: string, ctx: EventContext | null): StripeObject {
    const invoice = this.getInvoice(id);
    if (invoice.status !== 'open')
      throw invalidRequest('Only open invoices can fail a payment attempt.', undefined, 'invoice_not_open');
    this.failInvoiceObject(invoice, ctx);
    const subId = (invoice.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details
      ?.subscription;
    const sub = subId ? this.subscriptions.get(subId) : undefined;
    if (sub && sub.status === 'active') {
      sub.status = 'past_due';
      this.emit('customer.subscription.updated', sub, ctx, { status: 'active' });
    }
    return invoice;
  }

  updateSubscription(
    id: string,
    params: { cancelAtPeriodEnd?: boolean; metadata?: Metadata; status?: string; cancellationComment?: string | null },
    ctx: EventContext | null,
  ): StripeObject {
    const sub = this.getSubscription(id);
    if (sub.status === 'canceled' && (params.cancelAtPeriodEnd !== undefined || params.status !== undefined)) {
      throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
    }
    const previous: Record<string, unknown> = {};
    if (params.cancelAtPeriodEnd !== undefined && params.cancelAtPeriodEnd !== sub.cancel_at_period_end) {
      previous.cancel_at_period_end = sub.cancel_at_period_end;
      previous.cancel_at = sub.cancel_at;
      previous.canceled_at = sub.canceled_at;
      previous.cancellation_details = clone(sub.cancellation_details);
      sub.cancel_at_period_end = params.cancelAtPeriodEnd;
      const periodEnd = (sub.items as { data: Array<Record<string, unknown>> }).data[0]?.current_period_end ?? null;
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
    if (Object.keys(previous).length) this.emit('customer.subscription.updated', sub, ctx, previous);
    return sub;
  }

  cancelSubscription(id: string, ctx: EventContext | null, comment: string | null = null): StripeObject {
    const sub = this.getSubscription(id);
    if (sub.status === 'canceled')
      throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
    const t = now();
    sub.status = 'canceled';
    sub.canceled_at = sub.canceled_at ?? t;
    sub.ended_at = t;
    sub.cancellation_details = { comment, feedback: null, reason: 'cancellation_requested' };
    this.emit('customer.subscription.deleted', sub, ctx);
    return sub;
  }

  // ---------- billing portal ----------

  createPortalSession(customer: string, returnUrl: string | null, locale: string | null): StripeObject {
    this.getCustomer(customer, 'customer');
    const id = stripeId('bps_');
    const session: StripeObject = {
      id,
      object: 'billing_portal.session',
      configuration: 'bpc_sandboxdefault',
      created: now(),
      customer,
      flow: null,
      livemode: false,
      locale,
      on_behalf_of: null,
      return_url: returnUrl,
      url: `${this.baseUrl()}/stripe/portal/${id}`,
    };
    this.portalSessions.set(id, session);
    return session;
  }

  // ---------- expansion ----------

  lookup(id: string): StripeObject | undefined {
    if (id.startsWith('cus_')) return this.customers.get(id);
    if (id.startsWith('sub_')) return this.subscriptions.get(id);
    if (id.startsWith('in_')) return this.invoices.get(id);
    if (id.startsWith('price_')) return this.prices.get(id);
    if (id.startsWith('prod_')) return this.products.get(id);
    if (id.startsWith('pm_')) return this.paymentMethods.get(id);
    if (id.startsWith('cs_')) return this.sessions.get(id);
    return undefined;
  }

  /** Applies `expand[]` paths (e.g. "subscription", "data.customer", "subscription.latest_invoice"). */
  expand(object: StripeObject, paths: string[]): StripeObject {
    const result = clone(object);
    for (const path of paths) {
      if (path === 'line_items' && object.object === 'checkout.session') {
        result.line_items = this.sessionLineItems(object.id);
        continue;
      }
      this.expandPath(result, path.split('.'), path);
    }
    return result;
  }

  private expandPath(target: Record<string, unknown>, parts: string[], full: string): void {
    const [head, ...rest] = parts;
    if (head === 'data' && Array.isArray(target.data)) {
      for (const item of target.data as Array<Record<string, unknown>>) this.expandPath(item, rest, full);
      return;
    }
    if (!(head in target)) throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
    let value = target[head];
    if (typeof value === 'string') {
      const found = this.lookup(value);
      if (!found) throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
      value = clone(found);
      target[head] = value;
    }
    if (rest.length) {
      if (value && typeof value === 'object') this.expandPath(value as Record<string, unknown>, rest, full);
      else throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
    }
  }
}

function mergeMetadata(current: Metadata, update: Metadata): Metadata {
  const next = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete next[k];
    else next[k] = v;
  }
  return next;
}

export function isStripeApiError(error: unknown): error is StripeApiError {
  return error instanceof StripeApiError;
}
