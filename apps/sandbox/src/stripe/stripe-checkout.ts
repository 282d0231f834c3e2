import { attachPaymentMethod, type CardInput, chargeCard } from './stripe-cards';
import { createCustomer } from './stripe-customers';
import { invalidRequest, noSuch } from './stripe-errors';
import { clone, now, stripeId } from './stripe-store';
import type {
  CheckoutSessionInternal,
  EventContext,
  LineItemInput,
  Metadata,
  StripeObject,
  StripeStore,
} from './stripe-store';
import { createSubscription } from './stripe-subscriptions';

/**
 * Checkout Sessions (https://docs.stripe.com/api/checkout/sessions): open until paid on the
 * hosted page (stripe-checkout-page.ts), expired, or past `expires_at`.
 */

export interface CheckoutSessionParams {
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
}

export function createCheckoutSession(
  store: StripeStore,
  params: CheckoutSessionParams,
  sessionTtlSeconds: number,
): StripeObject {
  const id = stripeId('cs_test_', 58);
  const created = now();
  const currencies = new Set(params.lineItems.map((li) => String(store.getPrice(li.price).currency)));
  if (currencies.size > 1)
    throw invalidRequest('All prices on a Checkout Session must use the same currency.', 'line_items');
  const amount = params.lineItems.reduce(
    (sum, li) => sum + Number(store.getPrice(li.price).unit_amount) * li.quantity,
    0,
  );
  const customerEmail = params.customer
    ? (store.getCustomer(params.customer, 'customer').email as string | null)
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
    // Checkout offers SEPA Direct Debit beside cards when every price is in euros.
    payment_method_types: currencies.has('eur') ? ['card', 'sepa_debit'] : ['card'],
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
    url: `${store.baseUrl()}/stripe/pay/${id}`,
  };
  store.sessions.set(id, session);
  store.sessionInternals.set(id, { lineItems: params.lineItems, subscriptionMetadata: params.subscriptionMetadata });
  return session;
}

/** The session, expired first when its `expires_at` has passed. */
export function getSession(store: StripeStore, id: string): StripeObject {
  const session = store.sessions.get(id);
  if (!session) throw noSuch('checkout.session', id, 'session');
  if (session.status === 'open' && Number(session.expires_at) <= now()) expireSession(store, session.id, null);
  return session;
}

export function sessionLineItems(store: StripeStore, id: string): StripeObject {
  const internal = store.sessionInternals.get(id);
  const data = (internal?.lineItems ?? []).map((li) => {
    const price = store.getPrice(li.price);
    const product = store.products.get(String(price.product));
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

export function expireSession(store: StripeStore, id: string, ctx: EventContext | null): StripeObject {
  const session = store.sessions.get(id);
  if (!session) throw noSuch('checkout.session', id, 'session');
  if (session.status !== 'open') {
    throw invalidRequest(
      `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${String(session.status)}".`,
    );
  }
  session.status = 'expired';
  session.url = null;
  store.emit('checkout.session.expired', session, ctx);
  return session;
}

/** The session, refused unless it is still open. */
export function openSession(store: StripeStore, id: string): StripeObject {
  const session = getSession(store, id);
  if (session.status !== 'open') {
    throw invalidRequest(
      `This Checkout Session is no longer active (status: ${String(session.status)}).`,
      undefined,
      'checkout_session_inactive',
    );
  }
  return session;
}

/** The session's customer (created from the typed email when it has none), with its details filled in. */
export function sessionCustomer(
  store: StripeStore,
  session: StripeObject,
  payer: { email?: string; name?: string },
  ctx: EventContext | null,
): string {
  const email = (session.customer_details as { email?: string } | null)?.email ?? payer.email ?? null;
  let customerId = session.customer as string | null;
  if (!customerId) {
    if (!email) throw invalidRequest('An email address is required to complete this Checkout Session.', 'email');
    customerId = createCustomer(store, { email, name: payer.name ?? null }, ctx).id;
  }
  session.customer = customerId;
  session.customer_details = {
    address: null,
    email: email ?? store.getCustomer(customerId).email,
    name: payer.name ?? null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  return customerId;
}

/** Completes an open session as a successful payment: customer, subscription, paid invoice, events. */
export function completeSession(
  store: StripeStore,
  id: string,
  card: CardInput,
  ctx: EventContext | null,
): StripeObject {
  const session = openSession(store, id);
  const charged = chargeCard(card); // throws on a declining test card: the session stays open
  const internal = store.sessionInternals.get(id) as CheckoutSessionInternal;
  const customerId = sessionCustomer(store, session, card, ctx);
  const pm = attachPaymentMethod(store, customerId, charged, ctx);
  if (session.mode === 'subscription') {
    const sub = createSubscription(store, customerId, internal.lineItems, internal.subscriptionMetadata, pm.id, ctx);
    session.subscription = sub.id;
    session.invoice = sub.latest_invoice;
  } else {
    session.payment_intent = stripeId('pi_');
  }
  session.status = 'complete';
  session.payment_status = 'paid';
  session.url = null;
  store.emit('checkout.session.completed', session, ctx);
  return session;
}
