import { randomBytes } from 'node:crypto';
import type { ApiRoute } from './stripe-api';
import { invalidRequest } from './stripe-errors';
import { allow, isEmail, LIST_PARAMS, listResponse, metadata, str } from './stripe-params';
import { clone, mergeMetadata, now, stripeId } from './stripe-store';
import type { EventContext, Metadata, StripeObject, StripeStore } from './stripe-store';
import { cancelSubscription } from './stripe-subscriptions';

/** Customers (https://docs.stripe.com/api/customers). */

export interface CustomerParams {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Metadata;
}

export function createCustomer(store: StripeStore, params: CustomerParams, ctx: EventContext | null): StripeObject {
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
  store.customers.set(customer.id, customer);
  store.emit('customer.created', customer, ctx);
  return customer;
}

function updateCustomer(
  store: StripeStore,
  id: string,
  params: CustomerParams,
  ctx: EventContext | null,
): StripeObject {
  const customer = store.getCustomer(id);
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
  if (Object.keys(previous).length) store.emit('customer.updated', customer, ctx, previous);
  return customer;
}

/** Deleting a customer cancels its live subscriptions first, as Stripe does. */
function deleteCustomer(store: StripeStore, id: string, ctx: EventContext | null): StripeObject {
  const customer = store.getCustomer(id);
  for (const sub of store.subscriptions.values()) {
    if (sub.customer === id && sub.status !== 'canceled' && sub.status !== 'incomplete_expired')
      cancelSubscription(store, sub.id, ctx);
  }
  store.customers.delete(id);
  store.emit('customer.deleted', customer, ctx);
  return { id, object: 'customer', deleted: true };
}

const WRITABLE = ['email', 'name', 'description', 'phone', 'metadata', 'preferred_locales', 'address'];

export function customerRoutes(route: ApiRoute, store: StripeStore): void {
  route('post', '/customers', ({ params, events }) => {
    allow(params, WRITABLE);
    const email = str(params, 'email');
    if (email !== undefined && email !== '' && !isEmail(email))
      throw invalidRequest(`Invalid email address: ${email}`, 'email', 'email_invalid');
    return createCustomer(
      store,
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
    allow(params, ['email', 'test_clock', ...LIST_PARAMS]);
    const email = str(params, 'email');
    return listResponse(
      [...store.customers.values()].filter((c) => !email || c.email === email),
      params,
      '/v1/customers',
    );
  });
  route('get', '/customers/:id', ({ req }) => store.getCustomer(String(req.params.id)));
  route('post', '/customers/:id', ({ params, req, events }) => {
    allow(params, [...WRITABLE, 'invoice_settings']);
    return updateCustomer(
      store,
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
  route('delete', '/customers/:id', ({ req, events }) => deleteCustomer(store, String(req.params.id), events));
}
