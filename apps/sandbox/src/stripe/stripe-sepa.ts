import { createHash } from 'node:crypto';
import { openSession, sessionCustomer } from './stripe-checkout';
import { invalidRequest } from './stripe-errors';
import { failInvoice, payInvoice } from './stripe-invoices';
import type { Params } from './stripe-params';
import {
  type CheckoutSessionInternal,
  type EventContext,
  now,
  type StripeObject,
  type StripeStore,
  stripeId,
} from './stripe-store';
import { createSubscription } from './stripe-subscriptions';

/**
 * SEPA Direct Debit in Checkout (https://docs.stripe.com/payments/sepa-debit), Stripe's
 * delayed-notification payment method: completing the session accepts the mandate and starts
 * the debit, so the session is `complete` with `payment_status: "unpaid"` (its
 * `checkout.session.completed` says so) and the subscription's first invoice stays open. Days
 * later the debit settles: `checkout.session.async_payment_succeeded` (invoice paid, session
 * `paid`) or `checkout.session.async_payment_failed` (the invoice's payment failed, the
 * subscription is past due). As in Stripe's test mode, the test IBAN decides the outcome
 * (https://docs.stripe.com/testing#sepa-direct-debit); the stand-in settles when its test
 * control says the days have passed (`POST /stripe/_test/checkout/sessions/:id/settle`).
 */

export interface SepaDebitInput {
  iban: string;
  email?: string;
  name?: string;
}

const TEST_IBANS: Record<string, 'succeeded' | 'failed'> = {
  AT611904300234573201: 'succeeded',
  DE89370400440532013000: 'succeeded',
  AT861904300235473202: 'failed',
  DE62370400440532013001: 'failed',
};

/** The fields of a test-control body: `iban`, `email`, `name`. */
export function sepaDebitFrom(body: Params): SepaDebitInput {
  return {
    iban: typeof body.iban === 'string' ? body.iban : '',
    email: typeof body.email === 'string' && body.email ? body.email : undefined,
    name: typeof body.name === 'string' && body.name ? body.name : undefined,
  };
}

/** ISO 13616 check: country, check digits, then mod 97 of the rearranged digits is 1. */
function validIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const digits = `${iban.slice(4)}${iban.slice(0, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  return remainder === 1;
}

function attachSepaDebit(store: StripeStore, customerId: string, iban: string, input: SepaDebitInput): StripeObject {
  const pm: StripeObject = {
    id: stripeId('pm_'),
    object: 'payment_method',
    billing_details: { address: null, email: input.email ?? null, name: input.name ?? null, phone: null },
    created: now(),
    customer: customerId,
    livemode: false,
    metadata: {},
    sepa_debit: {
      bank_code: iban.slice(4, 12),
      branch_code: '',
      country: iban.slice(0, 2),
      fingerprint: createHash('sha256').update(iban).digest('base64url').slice(0, 16),
      generated_from: { charge: null, setup_attempt: null },
      last4: iban.slice(-4),
    },
    type: 'sepa_debit',
  };
  store.paymentMethods.set(pm.id, pm);
  return pm;
}

/** Completes an open session with a SEPA debit that is still processing. */
export function completeSessionWithSepaDebit(
  store: StripeStore,
  id: string,
  input: SepaDebitInput,
  ctx: EventContext | null,
): StripeObject {
  const session = openSession(store, id);
  if (!(session.payment_method_types as string[]).includes('sepa_debit'))
    throw invalidRequest('SEPA Direct Debit is only offered for payments in euros.', 'payment_method_types');
  const iban = input.iban.replace(/\s/g, '').toUpperCase();
  if (!validIban(iban)) throw invalidRequest('Your IBAN is invalid.', 'sepa_debit[iban]', 'invalid_bank_account_iban');
  const internal = store.sessionInternals.get(id) as CheckoutSessionInternal;
  const customerId = sessionCustomer(store, session, input, ctx);
  const pm = attachSepaDebit(store, customerId, iban, input);
  store.emit('payment_method.attached', pm, ctx);
  if (session.mode === 'subscription') {
    const sub = createSubscription(
      store,
      customerId,
      internal.lineItems,
      internal.subscriptionMetadata,
      pm.id,
      ctx,
      'processing',
    );
    session.subscription = sub.id;
    session.invoice = sub.latest_invoice;
  } else {
    session.payment_intent = stripeId('pi_');
  }
  internal.delayedPayment = { outcome: TEST_IBANS[iban] ?? 'succeeded', settled: false };
  session.status = 'complete';
  session.payment_status = 'unpaid';
  session.url = null;
  store.emit('checkout.session.completed', session, ctx);
  return session;
}

/** The debit of a session completed with SEPA Direct Debit settles, as its test IBAN says. */
export function settleSessionPayment(store: StripeStore, id: string, ctx: EventContext | null): StripeObject {
  const session = store.sessions.get(id);
  const delayed = store.sessionInternals.get(id)?.delayedPayment;
  if (!session || !delayed || delayed.settled)
    throw invalidRequest('This Checkout Session has no delayed payment waiting to settle.', 'session');
  delayed.settled = true;
  const invoiceId = typeof session.invoice === 'string' ? session.invoice : null;
  if (delayed.outcome === 'succeeded') {
    if (invoiceId) payInvoice(store, invoiceId, null, ctx);
    session.payment_status = 'paid';
    store.emit('checkout.session.async_payment_succeeded', session, ctx);
  } else {
    if (invoiceId) failInvoice(store, invoiceId, ctx);
    store.emit('checkout.session.async_payment_failed', session, ctx);
  }
  return session;
}
