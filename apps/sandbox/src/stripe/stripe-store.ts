import { randomBytes } from 'node:crypto';
import { recordNeedle } from '../at-rest-needles';
import { noSuch } from './stripe-errors';
import { newWebhookSecret, subscribes, type WebhookDeliverer, type WebhookEndpoint } from './stripe-webhooks';

/**
 * In-memory Stripe account: the objects the control plane touches, shaped as the pinned
 * API version documents them (https://docs.stripe.com/api), and the events their changes emit.
 * What each resource does lives in its own module (stripe-customers.ts, stripe-checkout.ts, …);
 * this holds the shared state, the lookups every resource needs and event emission.
 */

/** The API version this stand-in speaks; it is the one the installed `stripe` SDK pins. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export type Metadata = Record<string, string>;

export interface StripeObject {
  id: string;
  object: string;
  [key: string]: unknown;
}

/** The request an event comes from, as events report it in `request`. */
export interface EventContext {
  requestId: string | null;
  idempotencyKey: string | null;
}

export interface LineItemInput {
  price: string;
  quantity: number;
}

/** What a Checkout Session keeps for its completion but does not show in its API object. */
export interface CheckoutSessionInternal {
  lineItems: LineItemInput[];
  subscriptionMetadata: Metadata;
  /** A delayed-notification payment (SEPA Direct Debit) started at completion, settled later. */
  delayedPayment?: { outcome: 'succeeded' | 'failed'; settled: boolean };
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE62[b % 62];
  return `${prefix}${out}`;
}

/** Unix seconds, Stripe's timestamps. */
export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** A deep copy, so events and expansions keep the state of the moment. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Stripe's metadata update: given keys are set, an empty value removes its key. */
export function mergeMetadata(current: Metadata, update: Metadata): Metadata {
  const next = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete next[k];
    else next[k] = v;
  }
  return next;
}

export class StripeStore {
  readonly customers = new Map<string, StripeObject>();
  readonly products = new Map<string, StripeObject>();
  readonly prices = new Map<string, StripeObject>();
  readonly sessions = new Map<string, StripeObject>();
  readonly sessionInternals = new Map<string, CheckoutSessionInternal>();
  readonly subscriptions = new Map<string, StripeObject>();
  readonly invoices = new Map<string, StripeObject>();
  readonly paymentMethods = new Map<string, StripeObject>();
  readonly portalSessions = new Map<string, StripeObject>();
  readonly events: StripeObject[] = [];
  readonly endpoints = new Map<string, WebhookEndpoint>();

  constructor(
    private readonly deliverer: WebhookDeliverer,
    /** Base URL browsers reach the hosted pages at (Checkout, portal, invoices). */
    readonly baseUrl: () => string,
  ) {}

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
    recordNeedle('secret', endpoint.secret);
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

  getCustomer(id: string, param = 'id'): StripeObject {
    const customer = this.customers.get(id);
    if (!customer || customer.deleted) throw noSuch('customer', id, param);
    return customer;
  }

  getPrice(id: string, param = 'id'): StripeObject {
    const price = this.prices.get(id);
    if (!price) throw noSuch('price', id, param);
    return price;
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

  getEvent(id: string): StripeObject {
    const event = this.events.find((e) => e.id === id);
    if (!event) throw noSuch('event', id);
    return event;
  }

  /** Any object by its id prefix, for `expand[]`. */
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
}

/** A subscription's items (each with its price and current period). */
export function subscriptionItems(sub: StripeObject): Array<Record<string, unknown>> {
  return (sub.items as { data: Array<Record<string, unknown>> }).data;
}
