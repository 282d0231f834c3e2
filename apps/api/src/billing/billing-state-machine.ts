import {
  DELINQUENT_SUBSCRIPTION_STATUSES,
  PAID_SUBSCRIPTION_STATUSES,
  type StripeSubscriptionStatus,
  type WorkspaceStatus,
} from '@enclave/persistence';
import type Stripe from 'stripe';

/**
 * The subscription state machine, as pure functions (docs/billing.md draws the same thing).
 *
 * Stripe's subscriptions of a workspace are first reduced to one billing standing; the
 * standing and the workspace's current status then decide the workspace's next status and
 * the side effects that go with the transition. Because the standing is computed from the
 * subscriptions as Stripe reports them *now*, the order in which webhooks arrive does not
 * matter: a late or repeated event recomputes the same standing and changes nothing.
 */
export type BillingStanding = 'none' | 'paid' | 'delinquent' | 'ended';

export type BillingEffect =
  /** Enqueue JobName.ProvisionWorkspace (deterministic job id: duplicates are no-ops). */
  | 'enqueue_provisioning'
  /** Start the grace period and the delayed BillingGraceExpired job; mail the owners. */
  | 'start_grace'
  /** Clear the grace period (the delayed job re-checks and finds nothing to do). */
  | 'end_grace'
  /** Start the deprovisioning delay and the delayed BillingDeprovisionDue job; mail the owners. */
  | 'schedule_deprovision'
  /** Clear the deprovisioning delay and remove the delayed job. */
  | 'cancel_deprovision';

export interface WorkspaceTransition {
  to: WorkspaceStatus;
  effects: BillingEffect[];
}

const PAID: ReadonlySet<StripeSubscriptionStatus> = new Set(PAID_SUBSCRIPTION_STATUSES);
const DELINQUENT: ReadonlySet<StripeSubscriptionStatus> = new Set(DELINQUENT_SUBSCRIPTION_STATUSES);

/** The best standing among a workspace's subscriptions: one paid subscription is enough. */
export function standingOf(statuses: readonly StripeSubscriptionStatus[]): BillingStanding {
  if (statuses.some((s) => PAID.has(s))) return 'paid';
  if (statuses.some((s) => DELINQUENT.has(s))) return 'delinquent';
  if (statuses.some((s) => s === 'canceled')) return 'ended';
  return 'none'; // no subscription, or only incomplete / incomplete_expired ones (never paid)
}

/**
 * Stripe counts a subscription as active while its first payment is still on its way when the
 * customer paid with a delayed-notification method (SEPA Direct Debit): the first invoice stays
 * open until the debit settles, days later, or fails. Until that invoice is paid nothing is
 * fulfilled. Reads `latest_invoice` expanded (StripeGateway.retrieveSubscription expands it).
 */
export function firstPaymentPending(subscription: Pick<Stripe.Subscription, 'status' | 'latest_invoice'>): boolean {
  const invoice = subscription.latest_invoice;
  return (
    PAID.has(subscription.status as StripeSubscriptionStatus) &&
    typeof invoice === 'object' &&
    invoice !== null &&
    invoice.billing_reason === 'subscription_create' &&
    invoice.status === 'open'
  );
}

/** The status a subscription counts with in its workspace's standing: not paid while its first payment is pending. */
export function standingStatusOf(
  subscription: Pick<Stripe.Subscription, 'status' | 'latest_invoice'>,
): StripeSubscriptionStatus {
  return firstPaymentPending(subscription) ? 'incomplete' : (subscription.status as StripeSubscriptionStatus);
}

/** Statuses in which a workspace has (or is getting) an agent node that billing may take away. */
const SERVED: ReadonlySet<WorkspaceStatus> = new Set([
  'provisioning',
  'active',
  'provisioning_failed',
  'past_due',
  'suspended',
]);

/** The workspace transition a standing calls for, or null when the workspace is already where it should be. */
export function nextTransition(current: WorkspaceStatus, standing: BillingStanding): WorkspaceTransition | null {
  switch (standing) {
    case 'paid':
      if (current === 'pending_payment' || current === 'deprovisioned')
        return { to: 'provisioning', effects: ['enqueue_provisioning'] };
      // Resubscribed before the deprovisioning ran: provisioning runs again over the existing
      // host (every step is idempotent) and ends with the workspace active.
      if (current === 'canceled')
        return { to: 'provisioning', effects: ['cancel_deprovision', 'enqueue_provisioning'] };
      if (current === 'past_due' || current === 'suspended') return { to: 'active', effects: ['end_grace'] };
      return null; // provisioning, active, provisioning_failed (staff retries), deprovisioning (still tearing down)
    case 'delinquent':
      if (current === 'active') return { to: 'past_due', effects: ['start_grace'] };
      return null; // already past due or suspended; not yet serving: nothing to take away
    case 'ended':
      if (SERVED.has(current)) return { to: 'canceled', effects: ['end_grace', 'schedule_deprovision'] };
      return null;
    case 'none':
      return null;
  }
}
