import type { ApiRoute } from './stripe-api';
import { createCheckoutSession, expireSession, getSession, sessionLineItems } from './stripe-checkout';
import { invalidRequest, missingParam, unknownParam } from './stripe-errors';
import {
  allow,
  integer,
  isEmail,
  LIST_PARAMS,
  listOf,
  listResponse,
  metadata,
  type Params,
  required,
  str,
  url,
} from './stripe-params';
import type { LineItemInput, Metadata, StripeStore } from './stripe-store';

/** The /v1/checkout/sessions endpoints, with the parameter checks Stripe makes on creation. */

const CREATE_PARAMS = [
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
];

function lineItemsParam(store: StripeStore, params: Params, mode: string): LineItemInput[] {
  const rawItems = params.line_items;
  if (rawItems === undefined) throw missingParam('line_items');
  const itemList = typeof rawItems === 'object' && rawItems ? listOf(rawItems) : [];
  if (itemList.length === 0) throw invalidRequest('Invalid array', 'line_items');
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
  return lineItems;
}

function subscriptionMetadataParam(params: Params, mode: string): Metadata {
  const subscriptionData = params.subscription_data;
  if (subscriptionData === undefined) return {};
  if (mode !== 'subscription')
    throw invalidRequest('You can only pass `subscription_data` in `subscription` mode.', 'subscription_data');
  if (typeof subscriptionData !== 'object' || subscriptionData === null)
    throw invalidRequest('Invalid object', 'subscription_data');
  for (const key of Object.keys(subscriptionData))
    if (!['metadata', 'description', 'trial_period_days'].includes(key))
      throw unknownParam(`subscription_data[${key}]`);
  return metadata(subscriptionData as Params) ?? {};
}

export function checkoutRoutes(route: ApiRoute, store: StripeStore, sessionTtlSeconds: number): void {
  route('post', '/checkout/sessions', ({ params }) => {
    allow(params, CREATE_PARAMS);
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
    const lineItems = lineItemsParam(store, params, mode);
    const customer = str(params, 'customer') ?? null;
    const customerEmail = str(params, 'customer_email') ?? null;
    if (customer && customerEmail)
      throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
    if (customer) store.getCustomer(customer, 'customer');
    if (customerEmail !== null && !isEmail(customerEmail))
      throw invalidRequest(`Invalid email address: ${customerEmail}`, 'customer_email', 'email_invalid');
    const clientReferenceId = str(params, 'client_reference_id') ?? null;
    if (clientReferenceId !== null && (clientReferenceId.length > 200 || clientReferenceId === ''))
      throw invalidRequest('client_reference_id must be 1 to 200 characters.', 'client_reference_id');
    const subscriptionMetadata = subscriptionMetadataParam(params, mode);
    const expiresAt = integer(params, 'expires_at') ?? null;
    if (expiresAt !== null) {
      const delta = expiresAt - Math.floor(Date.now() / 1000);
      if (delta < 1800 || delta > 86400)
        throw invalidRequest(
          'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
          'expires_at',
        );
    }
    return createCheckoutSession(
      store,
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
      sessionTtlSeconds,
    );
  });
  route('get', '/checkout/sessions/:id', ({ req }) => getSession(store, String(req.params.id)));
  route('get', '/checkout/sessions/:id/line_items', ({ req }) => {
    getSession(store, String(req.params.id));
    return sessionLineItems(store, String(req.params.id));
  });
  route('get', '/checkout/sessions', ({ params }) => {
    allow(params, ['customer', 'subscription', 'status', 'payment_intent', ...LIST_PARAMS]);
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
    expireSession(store, String(req.params.id), events),
  );
}
