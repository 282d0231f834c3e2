import { Inject, Injectable } from '@nestjs/common';
import { type AuditActor, AuditService } from '@enclave/audit';
import type { OwnerNotice } from '@enclave/mailer';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import {
  type BillingAccountEntity,
  BillingSubscriptionEntity,
  lockWorkspace,
  STRIPE_SUBSCRIPTION_STATUSES,
  type StripeSubscriptionStatus,
} from '@enclave/persistence';
import { JOB_IDS, JobName, type JobPayloads, QueueService } from '@enclave/queue';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { nextTransition, standingOf, standingStatusOf } from './billing-state-machine';

/** What a Stripe event told us, reduced to what the state machine needs. */
export interface AppliedEvent {
  id: string;
  type: string;
  created: Date;
}

const HOUR_MS = 3_600_000;

function idOf(value: string | { id: string } | null | undefined): string | null {
  return typeof value === 'string' ? value : (value?.id ?? null);
}

/**
 * Applies a subscription, exactly as Stripe reports it now, to our records: the subscription
 * row, the workspace status and the billing timers. Runs inside the webhook's transaction,
 * with the workspace's billing account row locked, so events of one customer apply one at a time.
 */
@Injectable()
export class BillingStateService {
  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly audit: AuditService,
    private readonly queues: QueueService,
  ) {}

  /** Returns the notices to mail once the transaction has committed. */
  async apply(
    manager: EntityManager,
    account: BillingAccountEntity,
    subscription: Stripe.Subscription,
    event: AppliedEvent,
    actor: AuditActor,
  ): Promise<OwnerNotice[]> {
    const workspaceId = account.workspaceId;
    // Lock order: billing account, then workspace (as the provisioning engine: workspace first).
    // The audit chain's lock is taken at commit, after every row lock (AuditChainSubscriber).
    const workspace = await lockWorkspace(manager, workspaceId, { includeDeleted: true });
    // billing_accounts.workspace_id is a foreign key: the row is there.
    if (!workspace) throw new Error(`workspace ${workspaceId} of a billing account is missing`);
    await this.upsertSubscription(manager, account, subscription, event, actor);

    const rows = await manager.find(BillingSubscriptionEntity, {
      where: { workspaceId },
      select: { status: true, stripeSubscriptionId: true },
    });
    // This subscription counts with its status for billing: not paid while its first payment is pending.
    const standing = standingOf(
      rows.map((row) => (row.stripeSubscriptionId === subscription.id ? standingStatusOf(subscription) : row.status)),
    );
    const transition = nextTransition(workspace.status, standing);
    if (!transition) return [];

    const from = workspace.status;
    const details: Record<string, unknown> = {
      from,
      to: transition.to,
      standing,
      subscriptionId: subscription.id,
      eventId: event.id,
      eventType: event.type,
    };
    const notices: OwnerNotice[] = [];
    const now = Date.now();
    for (const effect of transition.effects) {
      switch (effect) {
        case 'end_grace':
          account.graceEndsAt = null;
          break;
        case 'cancel_deprovision':
          account.deprovisionAt = null;
          details.deprovisionCancelled = true;
          for (const row of rows.filter((r) => r.status === 'canceled')) {
            await this.queues.remove(
              manager,
              JobName.BillingDeprovisionDue,
              JOB_IDS.billingDeprovisionDue(workspaceId, row.stripeSubscriptionId),
            );
          }
          break;
        case 'start_grace': {
          const graceEndsAt = new Date(now + this.config.BILLING_GRACE_DAYS * 24 * HOUR_MS);
          const invoiceId =
            idOf(subscription.latest_invoice) ??
            `period-${String(subscription.items.data[0]?.current_period_end ?? event.created.getTime())}`;
          account.graceEndsAt = graceEndsAt;
          details.graceEndsAt = graceEndsAt.toISOString();
          details.graceJobId = await this.enqueue(
            manager,
            JobName.BillingGraceExpired,
            { workspaceId, subscriptionId: subscription.id, invoiceId },
            JOB_IDS.billingGraceExpired(workspaceId, invoiceId),
            graceEndsAt.getTime() - now,
          );
          notices.push({ kind: 'payment_failed', workspace, graceEndsAt });
          break;
        }
        case 'schedule_deprovision': {
          const deprovisionAt = new Date(now + this.config.BILLING_DEPROVISION_DELAY_HOURS * HOUR_MS);
          account.deprovisionAt = deprovisionAt;
          details.deprovisionAt = deprovisionAt.toISOString();
          details.deprovisionJobId = await this.enqueue(
            manager,
            JobName.BillingDeprovisionDue,
            { workspaceId, subscriptionId: subscription.id },
            JOB_IDS.billingDeprovisionDue(workspaceId, subscription.id),
            deprovisionAt.getTime() - now,
          );
          notices.push({ kind: 'canceled', workspace, deprovisionAt });
          break;
        }
        case 'enqueue_provisioning':
          if (workspace.deletedAt) {
            details.provisioningSkipped = 'workspace deleted';
            break;
          }
          details.provisionJobId = await this.enqueue(
            manager,
            JobName.ProvisionWorkspace,
            { workspaceId },
            JOB_IDS.provisionWorkspace(workspaceId),
          );
          break;
      }
    }
    workspace.status = transition.to;
    await manager.save(workspace);
    await manager.save(account);
    await this.audit.record(manager, {
      actor,
      action: 'workspace.status_changed',
      workspaceId,
      target: { type: 'workspace', id: workspaceId },
      details,
    });
    return notices;
  }

  private async upsertSubscription(
    manager: EntityManager,
    account: BillingAccountEntity,
    subscription: Stripe.Subscription,
    event: AppliedEvent,
    actor: AuditActor,
  ): Promise<void> {
    const status = subscription.status as StripeSubscriptionStatus;
    if (!STRIPE_SUBSCRIPTION_STATUSES.includes(status))
      throw new Error(`Unknown Stripe subscription status "${subscription.status}"`);
    const item = subscription.items.data[0];
    const priceId = item?.price.id ?? null;
    const existing = await manager.findOneBy(BillingSubscriptionEntity, { stripeSubscriptionId: subscription.id });
    const row =
      existing ??
      manager.create(BillingSubscriptionEntity, {
        workspaceId: account.workspaceId,
        stripeCustomerId: account.stripeCustomerId,
        stripeSubscriptionId: subscription.id,
        lastEventCreated: null,
      });
    const before = existing?.status ?? null;
    row.status = status;
    row.stripePriceId = priceId;
    row.planId = this.config.STRIPE_PLANS.find((plan) => plan.stripePriceId === priceId)?.id ?? null;
    row.currentPeriodEnd = item?.current_period_end ? new Date(item.current_period_end * 1000) : null;
    row.cancelAtPeriodEnd = subscription.cancel_at_period_end;
    if (!row.lastEventCreated || row.lastEventCreated < event.created) row.lastEventCreated = event.created;
    await manager.save(row);
    if (before !== status) {
      await this.audit.record(manager, {
        actor,
        action: 'billing.subscription_status_changed',
        workspaceId: account.workspaceId,
        target: { type: 'stripe_subscription', id: subscription.id },
        details: { from: before, to: status, planId: row.planId, eventId: event.id, eventType: event.type },
      });
    }
  }

  /**
   * Deterministic job id, so a repeat is a no-op while the job waits or runs; a finished job
   * under the same id (a workspace provisioned again after deprovisioning) is cleared first.
   * Written to the outbox in the webhook's transaction: the job exists exactly when the state
   * change does, and reaches Redis once it answers (the webhook never waits on it).
   */
  private async enqueue<J extends JobName>(
    manager: EntityManager,
    name: J,
    payload: JobPayloads[J],
    jobId: string,
    delay = 0,
  ): Promise<string> {
    return this.queues.requeue(manager, name, payload, { jobId, ...(delay > 0 ? { delay } : {}) });
  }
}
