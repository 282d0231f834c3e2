import { cardDeclined } from './stripe-errors';
import type { Params } from './stripe-params';
import { clone, type EventContext, now, type StripeObject, type StripeStore, stripeId } from './stripe-store';

/** Test cards and payment methods, as Stripe's test mode treats them (https://docs.stripe.com/testing). */

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

/** The card fields of a page form or test-control body (`card_number`, or `card`, `email`, `name`). */
export function cardFrom(body: Params): CardInput {
  const number =
    typeof body.card_number === 'string' ? body.card_number : typeof body.card === 'string' ? body.card : undefined;
  return {
    number,
    email: typeof body.email === 'string' && body.email ? body.email : undefined,
    name: typeof body.name === 'string' && body.name ? body.name : undefined,
  };
}

/** Checks a test card the way Stripe's test mode does; throws the card error Stripe would. */
export function chargeCard(card: CardInput): { brand: string; last4: string } {
  const number = (card.number ?? '4242424242424242').replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !luhn(number))
    throw cardDeclined('incorrect_number', 'Your card number is incorrect.');
  const decline = TEST_DECLINES[number];
  if (decline) throw cardDeclined(decline[0], decline[1]);
  const brand = BRANDS.find(([re]) => re.test(number))?.[1] ?? 'unknown';
  return { brand, last4: number.slice(-4) };
}

/** Saves a charged card as the customer's default payment method. */
export function attachPaymentMethod(
  store: StripeStore,
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
  store.paymentMethods.set(pm.id, pm);
  store.emit('payment_method.attached', pm, ctx);
  const customer = store.getCustomer(customerId);
  const previous = clone(customer.invoice_settings);
  (customer.invoice_settings as Record<string, unknown>).default_payment_method = pm.id;
  store.emit('customer.updated', customer, ctx, { invoice_settings: previous });
  return pm;
}
