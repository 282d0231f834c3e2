import { WORKSPACE_STATUSES } from '@enclave/persistence';
import type Stripe from 'stripe';
import { firstPaymentPending, nextTransition, standingOf, standingStatusOf } from './billing-state-machine';

describe('billing state machine', () => {
  it('reduces subscriptions to the best standing', () => {
    expect(standingOf([])).toBe('none');
    expect(standingOf(['incomplete', 'incomplete_expired'])).toBe('none');
    expect(standingOf(['canceled'])).toBe('ended');
    expect(standingOf(['canceled', 'past_due'])).toBe('delinquent');
    expect(standingOf(['unpaid'])).toBe('delinquent');
    expect(standingOf(['canceled', 'past_due', 'active'])).toBe('paid');
    expect(standingOf(['trialing'])).toBe('paid');
  });

  it('pays into provisioning, recovers into active, falls into past_due and canceled', () => {
    expect(nextTransition('pending_payment', 'paid')).toEqual({
      to: 'provisioning',
      effects: ['enqueue_provisioning'],
    });
    expect(nextTransition('past_due', 'paid')).toEqual({ to: 'active', effects: ['end_grace'] });
    expect(nextTransition('suspended', 'paid')).toEqual({ to: 'active', effects: ['end_grace'] });
    expect(nextTransition('canceled', 'paid')).toEqual({
      to: 'provisioning',
      effects: ['cancel_deprovision', 'enqueue_provisioning'],
    });
    expect(nextTransition('deprovisioned', 'paid')).toEqual({ to: 'provisioning', effects: ['enqueue_provisioning'] });
    expect(nextTransition('active', 'delinquent')).toEqual({ to: 'past_due', effects: ['start_grace'] });
    expect(nextTransition('suspended', 'ended')).toEqual({
      to: 'canceled',
      effects: ['end_grace', 'schedule_deprovision'],
    });
  });

  it('is idempotent: applying a standing twice changes nothing the second time', () => {
    for (const status of WORKSPACE_STATUSES) {
      for (const standing of ['none', 'paid', 'delinquent', 'ended'] as const) {
        const first = nextTransition(status, standing);
        if (first) expect(nextTransition(first.to, standing)).toBeNull();
      }
    }
  });

  it('never moves a workspace that is not paid for out of pending_payment, nor touches one being torn down', () => {
    expect(nextTransition('pending_payment', 'delinquent')).toBeNull();
    expect(nextTransition('pending_payment', 'ended')).toBeNull();
    expect(nextTransition('deprovisioning', 'paid')).toBeNull();
    expect(nextTransition('deprovisioning', 'ended')).toBeNull();
    expect(nextTransition('deprovisioned', 'ended')).toBeNull();
  });

  it('does not count a subscription as paid while its first payment (a SEPA debit) is pending', () => {
    const sub = (status: string, invoice: Partial<Stripe.Invoice> | string | null) =>
      ({ status, latest_invoice: invoice }) as Pick<Stripe.Subscription, 'status' | 'latest_invoice'>;
    const first = (status: string) => ({ billing_reason: 'subscription_create', status }) as Partial<Stripe.Invoice>;
    expect(firstPaymentPending(sub('active', first('open')))).toBe(true);
    expect(standingStatusOf(sub('active', first('open')))).toBe('incomplete');
    expect(standingStatusOf(sub('active', first('paid')))).toBe('active');
    // A renewal still being collected does not take a paid workspace away.
    expect(firstPaymentPending(sub('active', { billing_reason: 'subscription_cycle', status: 'open' }))).toBe(false);
    expect(firstPaymentPending(sub('past_due', first('open')))).toBe(false);
    expect(standingStatusOf(sub('past_due', first('open')))).toBe('past_due');
    expect(firstPaymentPending(sub('active', 'in_123'))).toBe(false);
  });
});
