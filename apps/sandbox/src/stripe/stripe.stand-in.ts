import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import qs from 'qs';
import type { SandboxContext, StandIn } from '../sandbox';
import { invalidRequest, missingParam, noSuch, StripeApiError, unknownParam } from './stripe-errors';
import { checkoutPage, invoicePage, messagePage, portalPage } from './stripe-pages';
import {
  type CardInput,
  type EventContext,
  type Metadata,
  STRIPE_API_VERSION,
  STRIPE_DEFAULT_PRICES,
  type StripeObject,
  type StripePriceConfig,
  StripeStore,
  stripeId,
} from './stripe-store';
import { WebhookDeliverer } from './stripe-webhooks';
import { safeEqual } from '../helpers';

export { STRIPE_API_VERSION, STRIPE_DEFAULT_PRICES, type StripePriceConfig } from './stripe-store';

/**
 * Stripe stand-in. The official SDK cannot take a path prefix (its base path is fixed to
 * "/v1/"; only host, port and protocol are configurable), so the API is also served on a
 * port of its own, at the root: `new Stripe(key, { host: '127.0.0.1', port: apiPort, protocol: 'http' })`.
 * The same router is mounted under /stripe on the sandbox for the browser pages and test controls.
 */

export interface StripeWebhookEndpointConfig {
  readonly url: string;
  /** whsec_… (generated when omitted). */
  readonly secret?: string;
  readonly enabledEvents?: readonly string[];
}

export interface StripeStandInOptions {
  /** Port of the dedicated API listener; 0 (default) picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /** The secret key clients must send (Bearer or Basic). */
  readonly secretKey?: string;
  readonly prices?: readonly StripePriceConfig[];
  readonly webhookEndpoints?: readonly StripeWebhookEndpointConfig[];
  /** Delay before each retry of a failed webhook delivery; its length is the number of retries. */
  readonly webhookRetryDelaysMs?: readonly number[];
  readonly webhookTimeoutMs?: number;
  /** Base URL browsers reach the sandbox at, for Checkout/portal/invoice links (default: the sandbox URL). */
  readonly publicUrl?: string;
  /** Lifetime of a Checkout Session (Stripe: 24 h). */
  readonly sessionTtlSeconds?: number;
}

export interface StripeStandIn extends StandIn {
  /** Port of the dedicated API listener, once started. */
  readonly apiPort: number;
  /** e.g. http://127.0.0.1:43123 (no trailing /v1). */
  readonly apiUrl: string;
  readonly store: StripeStore;
  /** Resolves when every webhook first attempt queued so far has finished. */
  idle(): Promise<void>;
}

export const STRIPE_DEFAULT_SECRET_KEY = 'sk_test_enclave_sandbox';
export const STRIPE_DEFAULT_WEBHOOK_SECRET = 'whsec_enclave_sandbox_dev_secret';

type Params = Record<string, unknown>;

interface ApiContext {
  params: Params;
  req: Request;
  events: EventContext;
  expand: string[];
}

interface CachedResponse {
  fingerprint: string;
  status: number;
  body: unknown;
  expiresAt: number;
}

const DOC = 'https://stripe.com/docs/api';

function str(params: Params, name: string, param = name): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${param}`, param);
  return value;
}

function required(params: Params, name: string, param = name): string {
  const value = str(params, name, param);
  if (value === undefined || value === '') throw missingParam(param);
  return value;
}

function bool(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  throw invalidRequest(`Invalid boolean: ${String(value)}`, name);
}

function integer(params: Params, name: string, param = name): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value))
    throw invalidRequest(`Invalid integer: ${String(value)}`, param, 'parameter_invalid_integer');
  return Number(value);
}

function url(params: Params, name: string, isRequired: boolean): string | null {
  const value = isRequired ? required(params, name) : str(params, name);
  if (value === undefined) return null;
  try {
    const parsed = new URL(value.replace(/\{CHECKOUT_SESSION_ID\}/g, 'x'));
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidRequest('Not a valid URL', name, 'url_invalid');
  }
  return value;
}

function metadata(params: Params, name = 'metadata'): Metadata | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest(`Invalid object`, name);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', name);
  const out: Metadata = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string')
      throw invalidRequest(`Invalid value for metadata key ${k}: must be a string.`, `${name}[${k}]`);
    if (k.length > 40)
      throw invalidRequest(`Metadata keys can have a maximum length of 40 characters.`, `${name}[${k}]`);
    if (v.length > 500)
      throw invalidRequest(`Metadata values can have a maximum length of 500 characters.`, `${name}[${k}]`);
    out[k] = v;
  }
  return out;
}

function allow(params: Params, names: string[]): void {
  for (const key of Object.keys(params)) {
    if (key !== 'expand' && !names.includes(key)) throw unknownParam(key);
  }
}

function expandList(params: Params): string[] {
  const value = params.expand;
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : typeof value === 'object' && value ? Object.values(value) : [value];
  if (!list.every((v) => typeof v === 'string')) throw invalidRequest('Invalid array', 'expand');
  return list as string[];
}

function listResponse(items: StripeObject[], params: Params, urlPath: string): Record<string, unknown> {
  const limit = integer(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'limit');
  // Newest first; ties (same second) keep reverse creation order.
  const sorted = [...items].reverse().sort((a, b) => Number(b.created) - Number(a.created));
  let start = 0;
  const after = str(params, 'starting_after');
  if (after) {
    const index = sorted.findIndex((o) => o.id === after);
    if (index < 0) throw invalidRequest(`No such object: '${after}'`, 'starting_after', 'resource_missing');
    start = index + 1;
  }
  const data = sorted.slice(start, start + limit);
  return { object: 'list', data, has_more: start + limit < sorted.length, url: urlPath };
}

function cardFrom(body: Params): CardInput {
  const number =
    typeof body.card_number === 'string' ? body.card_number : typeof body.card === 'string' ? body.card : undefined;
  return {
    number,
    email: typeof body.email === 'string' && body.email ? body.email : undefined,
    name: typeof body.name === 'string' && body.name ? body.name : undefined,
  };
}

export function stripeStandIn(options: StripeStandInOptions = {}): StripeStandIn {
  const secretKey = options.secretKey ?? STRIPE_DEFAULT_SECRET_KEY;
  const host = options.host ?? '127.0.0.1';
  const sessionTtl = options.sessionTtlSeconds ?? 24 * 3600;
  let context: SandboxContext | null = null;
  const baseUrl = () => options.publicUrl ?? context?.baseUrl() ?? '';
  const idempotency = new Map<string, CachedResponse>();
  let apiServer: Server | null = null;
  let apiPort = options.port ?? 0;

  const deliverer: WebhookDeliverer = new WebhookDeliverer(
    {
      retryDelaysMs: options.webhookRetryDelaysMs ?? [2_000, 10_000, 60_000, 300_000],
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
    },
    (eventId) => store.markDelivered(eventId),
  );
  const store: StripeStore = new StripeStore(options.prices ?? STRIPE_DEFAULT_PRICES, deliverer, baseUrl);
  for (const endpoint of options.webhookEndpoints ?? [])
    store.addEndpoint(endpoint.url, [...(endpoint.enabledEvents ?? ['*'])], endpoint.secret);

  // ---------------- the /v1 API ----------------

  function authenticate(req: Request, res: Response, next: NextFunction): void {
    const header = req.get('authorization') ?? '';
    let key: string | undefined;
    const bearer = /^bearer\s+(\S+)$/i.exec(header);
    const basic = /^basic\s+(\S+)$/i.exec(header);
    if (bearer) key = bearer[1];
    else if (basic) key = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
    if (!key) {
      res.status(401).json({
        error: {
          message: `You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See ${DOC}#authentication for details, or we can help at https://support.stripe.com/.`,
          type: 'invalid_request_error',
        },
      });
      return;
    }
    if (!safeEqual(key, secretKey)) {
      const masked =
        key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '***';
      res.status(401).json({
        error: {
          message: `Invalid API Key provided: ${masked}`,
          type: 'invalid_request_error',
          code: 'api_key_invalid',
        },
      });
      return;
    }
    next();
  }

  const api = Router();
  api.use((req, res, next) => {
    const requestId = stripeId('req_', 14);
    res.locals.requestId = requestId;
    res.set('Request-Id', requestId);
    res.set('Stripe-Version', req.get('stripe-version') ?? STRIPE_API_VERSION);
    next();
  });
  api.use(authenticate);
  api.use(express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 2000 }));
  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const tooLarge = (err as { status?: number }).status === 413;
    res.status(tooLarge ? 413 : 400).json({
      error: {
        type: 'invalid_request_error',
        message: tooLarge ? 'Request body too large.' : `Invalid request body: ${(err as Error).message}`,
      },
    });
  });

  function route(method: 'get' | 'post' | 'delete', path: string, handler: (ctx: ApiContext) => unknown): void {
    api[method](path, (req: Request, res: Response) => {
      const queryString = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const params: Params =
        method === 'post'
          ? { ...qs.parse(queryString, { depth: 5 }), ...((req.body as Params | undefined) ?? {}) }
          : (qs.parse(queryString, { depth: 5, arrayLimit: 100 }) as Params);
      const key = req.get('idempotency-key');
      const events: EventContext = { requestId: res.locals.requestId as string, idempotencyKey: key ?? null };
      let fingerprint = '';
      if (method === 'post' && key) {
        if (key.length > 255) {
          res.status(400).json({
            error: { type: 'invalid_request_error', message: 'Idempotency keys can be at most 255 characters long.' },
          });
          return;
        }
        fingerprint = `${req.method} ${req.path} ${JSON.stringify(params)}`;
        const cached = idempotency.get(key);
        if (cached && cached.expiresAt > Date.now()) {
          if (cached.fingerprint !== fingerprint) {
            res.status(400).json({
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
              },
            });
            return;
          }
          res
            .set('Idempotent-Replayed', 'true')
            .set('Original-Request', 'req_replayed')
            .status(cached.status)
            .json(cached.body);
          return;
        }
      }
      try {
        const expand = expandList(params);
        const result = handler({ params, req, events, expand });
        const body =
          result && typeof result === 'object' && 'object' in (result as object) && expand.length
            ? store.expand(result as StripeObject, expand)
            : result;
        const snapshot = JSON.parse(JSON.stringify(body)) as unknown;
        if (method === 'post' && key)
          idempotency.set(key, { fingerprint, status: 200, body: snapshot, expiresAt: Date.now() + 24 * 3600_000 });
        res.status(200).json(snapshot);
      } catch (error) {
        if (error instanceof StripeApiError) {
          res.status(error.status).json({
            error: {
              ...error.body,
              request_log_url: `https://dashboard.stripe.com/test/logs/${String(res.locals.requestId)}`,
            },
          });
          return;
        }
        res.status(500).json({ error: { type: 'api_error', message: `Sandbox error: ${(error as Error).message}` } });
      }
    });
  }

  // Customers
  route('post', '/customers', ({ params, events }) => {
    allow(params, ['email', 'name', 'description', 'phone', 'metadata', 'preferred_locales', 'address']);
    const email = str(params, 'email');
    if (email !== undefined && email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      throw invalidRequest(`Invalid email address: ${email}`, 'email', 'email_invalid');
    return store.createCustomer(
      {
        email: email || null,
        name: str(params, 'name') ?? null,
        description: str(params, 'description') ?? null,
        phone: str(params, 'phone') ?? null,
        metadata: metadata(params) ?? {},
      },
      events,
    );
  });
  route('get', '/customers', ({ params }) => {
    allow(params, ['email', 'limit', 'starting_after', 'ending_before', 'created', 'test_clock']);
    const email = str(params, 'email');
    return listResponse(
      [...store.customers.values()].filter((c) => !email || c.email === email),
      params,
      '/v1/customers',
    );
  });
  route('get', '/customers/:id', ({ req }) => store.getCustomer(String(req.params.id)));
  route('post', '/customers/:id', ({ params, req, events }) => {
    allow(params, [
      'email',
      'name',
      'description',
      'phone',
      'metadata',
      'preferred_locales',
      'address',
      'invoice_settings',
    ]);
    return store.updateCustomer(
      String(req.params.id),
      {
        email: str(params, 'email'),
        name: str(params, 'name'),
        description: str(params, 'description'),
        phone: str(params, 'phone'),
        metadata: metadata(params),
      },
      events,
    );
  });
  route('delete', '/customers/:id', ({ req, events }) => store.deleteCustomer(String(req.params.id), events));

  // Products & prices
  route('get', '/prices/:id', ({ req }) => store.getPrice(String(req.params.id)));
  route('get', '/prices', ({ params }) => {
    allow(params, [
      'active',
      'currency',
      'lookup_keys',
      'product',
      'type',
      'recurring',
      'limit',
      'starting_after',
      'ending_before',
      'created',
    ]);
    const active = bool(params, 'active');
    const product = str(params, 'product');
    const type = str(params, 'type');
    const lookupRaw = params.lookup_keys;
    const lookupKeys =
      lookupRaw === undefined
        ? undefined
        : Array.isArray(lookupRaw)
          ? lookupRaw
          : typeof lookupRaw === 'object' && lookupRaw
            ? Object.values(lookupRaw)
            : [lookupRaw];
    const items = [...store.prices.values()].filter(
      (p) =>
        (active === undefined || p.active === active) &&
        (!product || p.product === product) &&
        (!type || p.type === type) &&
        (!lookupKeys || lookupKeys.includes(p.lookup_key)),
    );
    return listResponse(items, params, '/v1/prices');
  });
  route('get', '/products/:id', ({ req }) => {
    const product = store.products.get(String(req.params.id));
    if (!product) throw noSuch('product', String(req.params.id));
    return product;
  });

  // Checkout Sessions
  route('post', '/checkout/sessions', ({ params }) => {
    allow(params, [
      'mode',
      'line_items',
      'success_url',
      'cancel_url',
      'customer',
      'customer_email',
      'client_reference_id',
      'metadata',
      'subscription_data',
      'allow_promotion_codes',
      'billing_address_collection',
      'expires_at',
      'locale',
      'payment_method_types',
      'customer_update',
      'automatic_tax',
      'tax_id_collection',
      'consent_collection',
      'payment_method_collection',
      'ui_mode',
      'customer_creation',
      'submit_type',
      'currency',
    ]);
    const mode = required(params, 'mode');
    if (!['payment', 'setup', 'subscription'].includes(mode))
      throw invalidRequest('Invalid mode: must be one of payment, setup, or subscription', 'mode');
    if (mode === 'setup')
      throw invalidRequest('The sandbox supports Checkout in `subscription` and `payment` mode only.', 'mode');
    const uiMode = str(params, 'ui_mode');
    if (uiMode !== undefined && uiMode !== 'hosted')
      throw invalidRequest('The sandbox supports ui_mode=hosted only.', 'ui_mode');
    const successUrl = url(params, 'success_url', true) as string;
    const cancelUrl = url(params, 'cancel_url', false);
    const rawItems = params.line_items;
    if (rawItems === undefined) throw missingParam('line_items');
    const itemList = Array.isArray(rawItems)
      ? rawItems
      : typeof rawItems === 'object' && rawItems
        ? Object.values(rawItems)
        : null;
    if (!itemList || itemList.length === 0) throw invalidRequest('Invalid array', 'line_items');
    const lineItems = itemList.map((raw, i) => {
      if (!raw || typeof raw !== 'object') throw invalidRequest('Invalid object', `line_items[${i}]`);
      const item = raw as Params;
      for (const key of Object.keys(item))
        if (!['price', 'quantity', 'adjustable_quantity', 'tax_rates'].includes(key))
          throw unknownParam(`line_items[${i}][${key}]`);
      const price = required(item, 'price', `line_items[${i}][price]`);
      const quantity = integer(item, 'quantity', `line_items[${i}][quantity]`);
      if (quantity === undefined) throw missingParam(`line_items[${i}][quantity]`);
      if (quantity < 1)
        throw invalidRequest('This value must be greater than or equal to 1.', `line_items[${i}][quantity]`);
      const priceObject = store.getPrice(price, `line_items[${i}][price]`);
      if (mode === 'payment' && priceObject.type === 'recurring') {
        throw invalidRequest(
          'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
          `line_items[${i}][price]`,
        );
      }
      return { price, quantity };
    });
    if (mode === 'subscription' && !lineItems.some((li) => store.getPrice(li.price).type === 'recurring')) {
      throw invalidRequest(
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        'line_items',
      );
    }
    const customer = str(params, 'customer') ?? null;
    const customerEmail = str(params, 'customer_email') ?? null;
    if (customer && customerEmail)
      throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
    if (customer) store.getCustomer(customer, 'customer');
    if (customerEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(customerEmail))
      throw invalidRequest(`Invalid email address: ${customerEmail}`, 'customer_email', 'email_invalid');
    const clientReferenceId = str(params, 'client_reference_id') ?? null;
    if (clientReferenceId !== null && (clientReferenceId.length > 200 || clientReferenceId === ''))
      throw invalidRequest('client_reference_id must be 1 to 200 characters.', 'client_reference_id');
    const subscriptionData = params.subscription_data;
    let subscriptionMetadata: Metadata = {};
    if (subscriptionData !== undefined) {
      if (mode !== 'subscription')
        throw invalidRequest('You can only pass `subscription_data` in `subscription` mode.', 'subscription_data');
      if (typeof subscriptionData !== 'object' || subscriptionData === null)
        throw invalidRequest('Invalid object', 'subscription_data');
      for (const key of Object.keys(subscriptionData))
        if (!['metadata', 'description', 'trial_period_days'].includes(key))
          throw unknownParam(`subscription_data[${key}]`);
      subscriptionMetadata = metadata(subscriptionData as Params) ?? {};
    }
    const expiresAt = integer(params, 'expires_at') ?? null;
    if (expiresAt !== null) {
      const delta = expiresAt - Math.floor(Date.now() / 1000);
      if (delta < 1800 || delta > 86400)
        throw invalidRequest(
          'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
          'expires_at',
        );
    }
    return store.createCheckoutSession(
      {
        mode: mode as 'subscription' | 'payment',
        lineItems,
        successUrl,
        cancelUrl,
        customer,
        customerEmail,
        clientReferenceId,
        metadata: metadata(params) ?? {},
        subscriptionMetadata,
        expiresAt,
        locale: str(params, 'locale') ?? null,
      },
      sessionTtl,
    );
  });
  route('get', '/checkout/sessions/:id', ({ req }) => store.getSession(String(req.params.id)));
  route('get', '/checkout/sessions/:id/line_items', ({ req }) => {
    store.getSession(String(req.params.id));
    return store.sessionLineItems(String(req.params.id));
  });
  route('get', '/checkout/sessions', ({ params }) => {
    allow(params, [
      'customer',
      'subscription',
      'status',
      'limit',
      'starting_after',
      'ending_before',
      'created',
      'payment_intent',
    ]);
    const customer = str(params, 'customer');
    const subscription = str(params, 'subscription');
    const status = str(params, 'status');
    const items = [...store.sessions.values()].filter(
      (s) =>
        (!customer || s.customer === customer) &&
        (!subscription || s.subscription === subscription) &&
        (!status || s.status === status),
    );
    return listResponse(items, params, '/v1/checkout/sessions');
  });
  route('post', '/checkout/sessions/:id/expire', ({ req, events }) =>
    store.expireSession(String(req.params.id), events),
  );

  // Subscriptions & invoices
  route('get', '/subscriptions/:id', ({ req }) => store.getSubscription(String(req.params.id)));
  route('get', '/subscriptions', ({ params }) => {
    allow(params, ['customer', 'status', 'price', 'limit', 'starting_after', 'ending_before', 'created']);
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
    return store.updateSubscription(
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
    return store.cancelSubscription(String(req.params.id), events);
  });
  route('get', '/invoices/:id', ({ req }) => store.getInvoice(String(req.params.id)));
  route('get', '/invoices', ({ params }) => {
    allow(params, [
      'customer',
      'subscription',
      'status',
      'limit',
      'starting_after',
      'ending_before',
      'created',
      'collection_method',
    ]);
    const customer = str(params, 'customer');
    const subscription = str(params, 'subscription');
    const status = str(params, 'status');
    const items = [...store.invoices.values()].filter(
      (i) =>
        (!customer || i.customer === customer) &&
        (!status || i.status === status) &&
        (!subscription ||
          (i.parent as { subscription_details?: { subscription?: string } }).subscription_details?.subscription ===
            subscription),
    );
    return listResponse(items, params, '/v1/invoices');
  });

  // Billing portal
  route('post', '/billing_portal/sessions', ({ params }) => {
    allow(params, ['customer', 'return_url', 'configuration', 'locale', 'flow_data', 'on_behalf_of']);
    const customer = required(params, 'customer');
    return store.createPortalSession(customer, url(params, 'return_url', false), str(params, 'locale') ?? null);
  });

  // Events & webhook endpoints
  route('get', '/events/:id', ({ req }) => {
    const event = store.events.find((e) => e.id === req.params.id);
    if (!event) throw noSuch('event', String(req.params.id));
    return event;
  });
  route('get', '/events', ({ params }) => {
    allow(params, ['type', 'types', 'limit', 'starting_after', 'ending_before', 'created', 'delivery_success']);
    const type = str(params, 'type');
    const matches = (t: string) => !type || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type);
    return listResponse(
      store.events.filter((e) => matches(String(e.type))),
      params,
      '/v1/events',
    );
  });
  route('post', '/webhook_endpoints', ({ params }) => {
    allow(params, ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'connect']);
    const endpointUrl = url(params, 'url', true) as string;
    const raw = params.enabled_events;
    if (raw === undefined) throw missingParam('enabled_events');
    const enabled = (Array.isArray(raw) ? raw : typeof raw === 'object' && raw ? Object.values(raw) : [raw]).map(
      String,
    );
    const endpoint = store.addEndpoint(
      endpointUrl,
      enabled,
      undefined,
      str(params, 'description') ?? null,
      metadata(params) ?? {},
    );
    return { ...endpointJson(endpoint), secret: endpoint.secret };
  });
  route('get', '/webhook_endpoints', ({ params }) =>
    listResponse([...store.endpoints.values()].map(endpointJson), params, '/v1/webhook_endpoints'),
  );
  route('delete', '/webhook_endpoints/:id', ({ req }) => {
    const id = String(req.params.id);
    if (!store.endpoints.delete(id)) throw noSuch('webhook endpoint', id);
    return { id, object: 'webhook_endpoint', deleted: true };
  });

  api.use((req, res) => {
    res.status(404).json({
      error: {
        message: `Unrecognized request URL (${req.method}: ${req.originalUrl.split('?')[0]}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        type: 'invalid_request_error',
      },
    });
  });

  // ---------------- pages and test controls ----------------

  function makeRouter(): Router {
    const router = Router();
    router.use('/v1', api);
    const formBody = express.urlencoded({ extended: false, limit: '32kb' });
    const jsonBody = express.json({ limit: '32kb' });

    router.get('/_info', (_req, res) => {
      res.json({
        apiHost: host,
        apiPort,
        apiUrl: `http://${host}:${apiPort}`,
        apiVersion: STRIPE_API_VERSION,
        webhookEndpoints: [...store.endpoints.values()].map(endpointJson),
      });
    });

    // Hosted Checkout
    const payAction = (id: string) => `/stripe/pay/${id}`;
    const renderCheckout = (session: StripeObject, error?: string, email?: string) => {
      const items = store.sessionLineItems(session.id).data as Array<Record<string, unknown>>;
      const lines = items.map((li) => {
        const price = li.price as StripeObject;
        return {
          description: String(li.description ?? price.product),
          quantity: Number(li.quantity),
          amount: Number(li.amount_total),
          currency: String(li.currency),
          interval: (price.recurring as { interval?: string } | null)?.interval ?? null,
        };
      });
      const known = (session.customer_details as { email?: string } | null)?.email ?? null;
      return checkoutPage(session, lines, {
        action: payAction(session.id),
        error,
        email: known ?? email ?? null,
        emailLocked: Boolean(known),
      });
    };
    const successRedirect = (session: StripeObject) =>
      String(session.success_url).replace(/\{CHECKOUT_SESSION_ID\}/g, session.id);

    router.get('/pay/:id', (req, res) => {
      const session = store.sessions.get(String(req.params.id));
      if (!session) {
        res
          .status(404)
          .type('html')
          .send(messagePage('Something went wrong', 'The page you were looking for could not be found.'));
        return;
      }
      store.getSession(session.id); // expires it when due
      if (session.status === 'complete') {
        res.type('html').send(
          messagePage('Payment complete', 'This Checkout Session is already complete.', {
            href: successRedirect(session),
            label: 'Continue',
          }),
        );
        return;
      }
      if (session.status === 'expired') {
        res
          .status(410)
          .type('html')
          .send(
            messagePage(
              'Session expired',
              'This Checkout Session has expired.',
              session.cancel_url ? { href: String(session.cancel_url), label: 'Back' } : undefined,
            ),
          );
        return;
      }
      res.type('html').send(renderCheckout(session));
    });

    router.post('/pay/:id', formBody, jsonBody, (req: Request, res: Response) => {
      const session = store.sessions.get(String(req.params.id));
      if (!session) {
        res
          .status(404)
          .type('html')
          .send(messagePage('Something went wrong', 'The page you were looking for could not be found.'));
        return;
      }
      const body = (req.body ?? {}) as Params;
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      const expiry = typeof body.card_expiry === 'string' ? body.card_expiry.replace(/\s/g, '') : '';
      const cvc = typeof body.card_cvc === 'string' ? body.card_cvc.trim() : '';
      const expiryMatch = /^(\d{2})\/?(\d{2})$/.exec(expiry);
      const fail = (status: number, message: string) =>
        res
          .status(status)
          .type('html')
          .send(renderCheckout(session, message, email));
      if (session.status !== 'open') {
        res
          .status(409)
          .type('html')
          .send(messagePage('Session inactive', `This Checkout Session is ${String(session.status)}.`));
        return;
      }
      if (!session.customer_details && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
        return void fail(400, 'Your email address is invalid.');
      if (!expiryMatch || Number(expiryMatch[1]) < 1 || Number(expiryMatch[1]) > 12)
        return void fail(400, "Your card's expiration date is incomplete.");
      const expiryEnd = Date.UTC(2000 + Number(expiryMatch[2]), Number(expiryMatch[1]), 1);
      if (expiryEnd <= Date.now()) return void fail(400, "Your card's expiration year is in the past.");
      if (!/^\d{3,4}$/.test(cvc)) return void fail(400, "Your card's security code is incomplete.");
      try {
        store.completeSession(session.id, cardFrom(body), null);
      } catch (error) {
        if (error instanceof StripeApiError) return void fail(error.status === 402 ? 402 : 400, error.message);
        throw error;
      }
      res.redirect(303, successRedirect(session));
    });

    // Customer portal
    const portalBase = (id: string) => `/stripe/portal/${id}`;
    const portalFor = (req: Request, res: Response): StripeObject | undefined => {
      const portal = store.portalSessions.get(String(req.params.id));
      if (!portal) {
        res.status(404).type('html').send(messagePage('Link expired', 'This billing portal link is no longer valid.'));
        return undefined;
      }
      return portal;
    };
    const renderPortal = (portal: StripeObject, notice?: string) => {
      const customerId = String(portal.customer);
      const customer = store.customers.get(customerId) ?? { id: customerId, object: 'customer' };
      const subs = [...store.subscriptions.values()].filter((s) => s.customer === customerId);
      const open = [...store.invoices.values()].filter((i) => i.customer === customerId && i.status === 'open');
      return portalPage(portal, customer, subs, open, portalBase(portal.id), notice);
    };
    router.get('/portal/:id', (req, res) => {
      const portal = portalFor(req, res);
      if (portal)
        res
          .type('html')
          .send(renderPortal(portal, typeof req.query.notice === 'string' ? req.query.notice : undefined));
    });
    router.post('/portal/:id/subscriptions/:sub/:action', formBody, jsonBody, (req: Request, res: Response) => {
      const portal = portalFor(req, res);
      if (!portal) return;
      const sub = store.subscriptions.get(String(req.params.sub));
      if (!sub || sub.customer !== portal.customer) {
        res.status(404).type('html').send(messagePage('Not found', 'No such subscription.'));
        return;
      }
      let notice: string;
      try {
        if (req.params.action === 'cancel') {
          store.updateSubscription(sub.id, { cancelAtPeriodEnd: true }, null);
          notice = 'Your subscription will be canceled at the end of the period.';
        } else if (req.params.action === 'renew') {
          store.updateSubscription(sub.id, { cancelAtPeriodEnd: false }, null);
          notice = 'Your subscription was renewed.';
        } else if (req.params.action === 'cancel_now') {
          store.cancelSubscription(sub.id, null);
          notice = 'Your subscription was canceled.';
        } else {
          res.status(404).type('html').send(messagePage('Not found', 'Unknown action.'));
          return;
        }
      } catch (error) {
        res
          .status(400)
          .type('html')
          .send(renderPortal(portal, (error as Error).message));
        return;
      }
      res.redirect(303, `${portalBase(portal.id)}?notice=${encodeURIComponent(notice)}`);
    });
    router.post('/portal/:id/invoices/:invoice/pay', formBody, jsonBody, (req: Request, res: Response) => {
      const portal = portalFor(req, res);
      if (!portal) return;
      const invoice = store.invoices.get(String(req.params.invoice));
      if (!invoice || invoice.customer !== portal.customer) {
        res.status(404).type('html').send(messagePage('Not found', 'No such invoice.'));
        return;
      }
      try {
        store.payInvoice(invoice.id, cardFrom((req.body ?? {}) as Params), null);
      } catch (error) {
        res
          .status(error instanceof StripeApiError && error.status === 402 ? 402 : 400)
          .type('html')
          .send(renderPortal(portal, (error as Error).message));
        return;
      }
      res.redirect(303, `${portalBase(portal.id)}?notice=${encodeURIComponent('Payment successful.')}`);
    });
    router.get('/invoices/:id', (req, res) => {
      const invoice = store.invoices.get(req.params.id);
      if (!invoice) {
        res.status(404).type('html').send(messagePage('Not found', 'No such invoice.'));
        return;
      }
      res.type('html').send(invoicePage(invoice));
    });

    // Test controls (no auth): drive what a customer or Stripe's billing engine would do.
    const test = Router();
    test.use(formBody, jsonBody);
    const testRoute = (path: string, handler: (req: Request) => unknown) => {
      test.post(path, (req, res) => {
        try {
          res.json(handler(req));
        } catch (error) {
          if (error instanceof StripeApiError) {
            res.status(error.status).json({ error: error.body });
            return;
          }
          res.status(400).json({ error: { type: 'invalid_request_error', message: (error as Error).message } });
        }
      });
    };
    const body = (req: Request) => (req.body ?? {}) as Params;
    const testBool = (value: unknown) => value === true || value === 'true';
    testRoute('/checkout/sessions/:id/complete', (req) =>
      store.completeSession(String(req.params.id), cardFrom(body(req)), null),
    );
    testRoute('/checkout/sessions/:id/expire', (req) => store.expireSession(String(req.params.id), null));
    testRoute('/subscriptions/:id/renew', (req) =>
      store.renewSubscription(String(req.params.id), body(req).outcome === 'failed' ? 'failed' : 'paid', null),
    );
    testRoute('/subscriptions/:id/fail_next_invoice', (req) =>
      store.renewSubscription(String(req.params.id), 'failed', null),
    );
    testRoute('/subscriptions/:id/cancel', (req) =>
      testBool(body(req).at_period_end)
        ? store.updateSubscription(String(req.params.id), { cancelAtPeriodEnd: true }, null)
        : store.cancelSubscription(String(req.params.id), null),
    );
    testRoute('/subscriptions/:id/update', (req) => {
      const b = body(req);
      const md = b.metadata;
      if (
        md !== undefined &&
        (typeof md !== 'object' || md === null || Object.values(md).some((v) => typeof v !== 'string'))
      )
        throw invalidRequest('metadata must map strings to strings', 'metadata');
      return store.updateSubscription(
        String(req.params.id),
        {
          status: typeof b.status === 'string' ? b.status : undefined,
          cancelAtPeriodEnd: b.cancel_at_period_end === undefined ? undefined : testBool(b.cancel_at_period_end),
          metadata: md as Metadata | undefined,
        },
        null,
      );
    });
    testRoute('/invoices/:id/pay', (req) =>
      store.payInvoice(
        String(req.params.id),
        body(req).card_number || body(req).card ? cardFrom(body(req)) : null,
        null,
      ),
    );
    testRoute('/invoices/:id/fail', (req) => {
      const invoice = store.getInvoice(String(req.params.id));
      if (invoice.status !== 'open') throw invalidRequest('Only open invoices can fail a payment attempt.');
      return store.failInvoice(invoice.id, null);
    });
    testRoute('/events/:id/resend', (req) => {
      const event = store.events.find((e) => e.id === req.params.id);
      if (!event) throw noSuch('event', String(req.params.id));
      const endpointId = body(req).endpoint_id;
      const targets = [...store.endpoints.values()].filter((e) =>
        typeof endpointId === 'string' ? e.id === endpointId : true,
      );
      if (!targets.length) throw invalidRequest('No webhook endpoint to deliver to.', 'endpoint_id');
      for (const endpoint of targets) store.send(event, endpoint);
      return event;
    });
    testRoute('/webhook_endpoints', (req) => {
      const b = body(req);
      if (typeof b.url !== 'string') throw missingParam('url');
      url(b, 'url', true);
      const secret = typeof b.secret === 'string' && b.secret ? b.secret : undefined;
      if (secret && !secret.startsWith('whsec_')) throw invalidRequest('Webhook secrets start with whsec_', 'secret');
      const events = Array.isArray(b.enabled_events) ? b.enabled_events.map(String) : ['*'];
      const endpoint = store.addEndpoint(b.url, events, secret);
      return { ...endpointJson(endpoint), secret: endpoint.secret };
    });
    test.get('/webhook_endpoints', (_req, res) => {
      res.json([...store.endpoints.values()].map((e) => ({ ...endpointJson(e), secret: e.secret })));
    });
    test.delete('/webhook_endpoints/:id', (req, res) => {
      if (!store.endpoints.delete(req.params.id)) {
        res.status(404).json({ error: noSuch('webhook endpoint', req.params.id).body });
        return;
      }
      res.json({ id: req.params.id, deleted: true });
    });
    test.get('/events', (req, res) => {
      const type = typeof req.query.type === 'string' ? req.query.type : undefined;
      res.json(store.events.filter((e) => !type || e.type === type));
    });
    test.get('/deliveries', (req, res) => {
      const eventId = typeof req.query.event_id === 'string' ? req.query.event_id : undefined;
      const type = typeof req.query.type === 'string' ? req.query.type : undefined;
      res.json(deliverer.log.filter((d) => (!eventId || d.event_id === eventId) && (!type || d.event_type === type)));
    });
    test.get('/idle', (_req, res) => {
      void deliverer.idle().then(() => res.json({ idle: true }));
    });
    test.use((_req, res) => {
      res.status(404).json({ error: { type: 'invalid_request_error', message: 'Unknown test endpoint' } });
    });
    router.use('/_test', test);

    router.use((req, res) => {
      res.status(404).json({
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${req.method}: ${req.originalUrl.split('?')[0]}).`,
        },
      });
    });
    return router;
  }

  let shared: Router | null = null;
  const getRouter = () => (shared ??= makeRouter());

  return {
    prefix: '/stripe',
    store,
    get apiPort() {
      return apiPort;
    },
    get apiUrl() {
      return `http://${host}:${apiPort}`;
    },
    idle: () => deliverer.idle(),
    router: (ctx: SandboxContext) => {
      context = ctx;
      return getRouter();
    },
    async start() {
      const app = express();
      app.disable('x-powered-by');
      app.use(getRouter());
      apiServer = await new Promise<Server>((resolve, reject) => {
        const server = app.listen(options.port ?? 0, host, () => resolve(server));
        server.once('error', reject);
      });
      apiPort = (apiServer.address() as AddressInfo).port;
    },
    async stop() {
      deliverer.stop();
      const server = apiServer;
      apiServer = null;
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function endpointJson(endpoint: {
  id: string;
  url: string;
  enabledEvents: string[];
  description: string | null;
  metadata: Metadata;
  created: number;
  status: string;
}): StripeObject {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    api_version: STRIPE_API_VERSION,
    application: null,
    created: endpoint.created,
    description: endpoint.description,
    enabled_events: endpoint.enabledEvents,
    livemode: false,
    metadata: endpoint.metadata,
    status: endpoint.status,
    url: endpoint.url,
  };
}

/**
 * SANDBOX_STRIPE_PORT, SANDBOX_STRIPE_SECRET_KEY, SANDBOX_STRIPE_WEBHOOK_URL (comma-separated),
 * SANDBOX_STRIPE_WEBHOOK_SECRET, SANDBOX_STRIPE_WEBHOOK_RETRY_DELAYS_MS (e.g. "2000,10000"),
 * SANDBOX_STRIPE_PRICES (JSON array of StripePriceConfig), SANDBOX_HOST (listen address), SANDBOX_PUBLIC_URL.
 */
export function stripeOptionsFromEnv(env: NodeJS.ProcessEnv): StripeStandInOptions {
  const urls = (env.SANDBOX_STRIPE_WEBHOOK_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const delays = env.SANDBOX_STRIPE_WEBHOOK_RETRY_DELAYS_MS?.split(',')
    .map((d) => Number(d.trim()))
    .filter((d) => Number.isFinite(d) && d >= 0);
  let prices: StripePriceConfig[] | undefined;
  if (env.SANDBOX_STRIPE_PRICES) {
    const parsed = JSON.parse(env.SANDBOX_STRIPE_PRICES) as unknown;
    if (!Array.isArray(parsed)) throw new Error('SANDBOX_STRIPE_PRICES must be a JSON array');
    prices = parsed as StripePriceConfig[];
  }
  return {
    port: Number(env.SANDBOX_STRIPE_PORT ?? 4012),
    host: env.SANDBOX_HOST || undefined,
    publicUrl: env.SANDBOX_PUBLIC_URL || undefined,
    secretKey: env.SANDBOX_STRIPE_SECRET_KEY || STRIPE_DEFAULT_SECRET_KEY,
    webhookEndpoints: urls.map((u) => ({
      url: u,
      secret: env.SANDBOX_STRIPE_WEBHOOK_SECRET || STRIPE_DEFAULT_WEBHOOK_SECRET,
    })),
    webhookRetryDelaysMs: delays && delays.length ? delays : undefined,
    prices,
  };
}
