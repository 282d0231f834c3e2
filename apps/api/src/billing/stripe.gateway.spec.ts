import { type ControlPlaneConfig, DomainError, loadConfig } from '@enclave/platform';
import Stripe from 'stripe';
import { STRIPE_API_VERSION, StripeGateway } from './stripe.gateway';
import { refsOf } from './stripe-webhook.service';

const SECRET = 'whsec_unit_0123456789abcdef';

function config(overrides: NodeJS.ProcessEnv = {}): ControlPlaneConfig {
  return loadConfig({
    DATABASE_URL: 'postgres://x@127.0.0.1/x',
    SMTP_URL: 'smtp://127.0.0.1:1',
    STRIPE_SECRET_KEY: 'sk_test_unit',
    STRIPE_WEBHOOK_SECRET: SECRET,
    ...overrides,
  });
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.code}`;
    throw error;
  }
  return 'ok';
}

describe('StripeGateway.constructEvent (no network)', () => {
  const gateway = new StripeGateway(config());
  const payload = JSON.stringify({
    id: 'evt_1',
    object: 'event',
    type: 'invoice.paid',
    created: 1,
    data: { object: {} },
  });

  it('pins the API version the installed SDK is typed for', () => {
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it('accepts a body signed with the webhook secret', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    expect(gateway.constructEvent(Buffer.from(payload), header)).toMatchObject({ id: 'evt_1', type: 'invoice.paid' });
  });

  it.each([
    ['no header', () => gateway.constructEvent(Buffer.from(payload), undefined), 'invalid:webhook_signature_invalid'],
    ['no body', () => gateway.constructEvent(undefined, 't=1,v1=00'), 'invalid:webhook_body_missing'],
    [
      'another secret',
      () =>
        gateway.constructEvent(
          Buffer.from(payload),
          Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' }),
        ),
      'invalid:webhook_signature_invalid',
    ],
    [
      'one byte changed',
      () =>
        gateway.constructEvent(
          Buffer.from(payload.replace('evt_1', 'evt_2')),
          Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
        ),
      'invalid:webhook_signature_invalid',
    ],
    [
      '10 minutes old',
      () =>
        gateway.constructEvent(
          Buffer.from(payload),
          Stripe.webhooks.generateTestHeaderString({
            payload,
            secret: SECRET,
            timestamp: Math.floor(Date.now() / 1000) - 600,
          }),
        ),
      'invalid:webhook_signature_invalid',
    ],
    [
      'signed but not JSON',
      () =>
        gateway.constructEvent(
          Buffer.from('not json'),
          Stripe.webhooks.generateTestHeaderString({ payload: 'not json', secret: SECRET }),
        ),
      'invalid:webhook_body_invalid',
    ],
  ])('refuses %s with a 400 code', (_name, run, code) => {
    expect(codeOf(run)).toBe(code);
  });

  it('answers 503 billing_disabled when billing is not configured', () => {
    const off = new StripeGateway(config({ STRIPE_SECRET_KEY: undefined, STRIPE_WEBHOOK_SECRET: undefined }));
    expect(off.enabled).toBe(false);
    expect(codeOf(() => off.constructEvent(Buffer.from(payload), 't=1,v1=00'))).toBe('unavailable:billing_disabled');
  });
});

describe('billing configuration', () => {
  it('requires the webhook secret with the key, and validates plans', () => {
    expect(() => config({ STRIPE_WEBHOOK_SECRET: undefined })).toThrow(/STRIPE_WEBHOOK_SECRET: required/);
    expect(() => config({ STRIPE_PLANS: 'not json' })).toThrow(/STRIPE_PLANS/);
    const plan = {
      id: 'monthly',
      name: 'Monthly',
      stripePriceId: 'price_a',
      amount: 100,
      currency: 'eur',
      interval: 'month',
    };
    expect(() => config({ STRIPE_PLANS: JSON.stringify([plan, { ...plan, stripePriceId: 'price_b' }]) })).toThrow(
      /plan ids must be unique/,
    );
    expect(config({ STRIPE_PLANS: JSON.stringify([plan]) }).STRIPE_PLANS).toEqual([plan]);
    expect(config({ BILLING_GRACE_DAYS: '0.5' }).BILLING_GRACE_DAYS).toBe(0.5);
    expect(() => config({ BILLING_GRACE_DAYS: '-1' })).toThrow(/BILLING_GRACE_DAYS/);
  });
});

describe('refsOf', () => {
  const event = (type: string, object: Record<string, unknown>) =>
    ({ id: 'evt_1', type, created: 1, data: { object } }) as unknown as Stripe.Event;

  it('finds customer, subscription and workspace in each handled event shape', () => {
    expect(
      refsOf(
        event('checkout.session.completed', {
          mode: 'subscription',
          customer: 'cus_1',
          subscription: 'sub_1',
          client_reference_id: 'ws',
        }),
      ),
    ).toEqual({ customerId: 'cus_1', subscriptionId: 'sub_1', workspaceHint: 'ws' });
    expect(refsOf(event('checkout.session.completed', { mode: 'payment', customer: 'cus_1' }))).toEqual({
      customerId: null,
      subscriptionId: null,
      workspaceHint: null,
    });
    expect(
      refsOf(
        event('customer.subscription.deleted', {
          id: 'sub_1',
          customer: { id: 'cus_1' },
          metadata: { workspace_id: 'ws' },
        }),
      ),
    ).toEqual({ customerId: 'cus_1', subscriptionId: 'sub_1', workspaceHint: 'ws' });
    expect(
      refsOf(
        event('invoice.payment_failed', {
          customer: 'cus_1',
          parent: { subscription_details: { subscription: 'sub_1', metadata: { workspace_id: 'ws' } } },
        }),
      ),
    ).toEqual({ customerId: 'cus_1', subscriptionId: 'sub_1', workspaceHint: 'ws' });
  });

  it('reads malformed objects without throwing', () => {
    expect(refsOf(event('invoice.paid', { customer: 42, parent: 'nope' }))).toEqual({
      customerId: null,
      subscriptionId: null,
      workspaceHint: null,
    });
    expect(refsOf(event('customer.subscription.updated', { id: ['x'], customer: null }))).toEqual({
      customerId: null,
      subscriptionId: null,
      workspaceHint: null,
    });
  });
});
