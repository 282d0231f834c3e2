import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import {
  BillingAccountEntity,
  BillingSubscriptionEntity,
  LIVE_SUBSCRIPTION_STATUSES,
  lockWorkspace,
  type UserEntity,
  type WorkspaceEntity,
} from '@enclave/persistence';
import { DataSource, In } from 'typeorm';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { BILLING_ERRORS } from './billing.errors';
import type { BillingStatusDto, PlansDto } from './dto/billing.dto';
import { StripeGateway } from './stripe.gateway';

/** Double clicks within this window reuse the same Checkout Session (same idempotency key). */
const CHECKOUT_IDEMPOTENCY_WINDOW_MS = 10 * 60_000;

@Injectable()
export class BillingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly stripe: StripeGateway,
  ) {}

  plans(): PlansDto {
    return {
      plans: this.config.STRIPE_PLANS.map(({ id, name, amount, currency, interval }) => ({
        id,
        name,
        amount,
        currency,
        interval,
      })),
    };
  }

  async status(workspaceId: string, userId: string): Promise<BillingStatusDto> {
    const { workspace } = await this.access.require(workspaceId, userId, 'member');
    const account = await this.dataSource.manager.findOneBy(BillingAccountEntity, { workspaceId });
    const subscription = await this.dataSource.manager.findOne(BillingSubscriptionEntity, {
      where: { workspaceId },
      order: { updatedAt: 'DESC' },
    });
    return {
      workspaceStatus: workspace.status,
      hasCustomer: Boolean(account),
      subscription: subscription
        ? {
            status: subscription.status,
            planId: subscription.planId,
            currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
            cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
          }
        : null,
      graceEndsAt: account?.graceEndsAt?.toISOString() ?? null,
      deprovisionAt: account?.deprovisionAt?.toISOString() ?? null,
    };
  }

  /**
   * Stops billing a workspace that is being deleted: every subscription Stripe still charges is
   * cancelled at once. Runs before the deletion commits, so a Stripe outage refuses the
   * deletion (503) instead of leaving a deleted workspace that is still billed.
   */
  async cancelForDeletion(workspaceId: string, actor: AuditActor): Promise<number> {
    if (!this.stripe.enabled) return 0;
    const live = await this.dataSource.manager.find(BillingSubscriptionEntity, {
      where: { workspaceId, status: In([...LIVE_SUBSCRIPTION_STATUSES]) },
    });
    for (const subscription of live) await this.stripe.cancelSubscription(subscription.stripeSubscriptionId);
    if (live.length > 0) {
      await this.audit.recordAlone({
        actor,
        action: 'billing.subscriptions_cancelled',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: { subscriptions: live.map((s) => s.stripeSubscriptionId), reason: 'workspace_deleted' },
      });
    }
    return live.length;
  }

  /** Creates a Stripe Checkout Session (subscription mode) for the workspace and returns its URL. */
  async startCheckout(
    workspaceId: string,
    user: UserEntity,
    planId: string,
    actor: AuditActor,
  ): Promise<{ url: string }> {
    const { workspace } = await this.access.require(workspaceId, user.id, 'admin');
    const plan = this.config.STRIPE_PLANS.find((candidate) => candidate.id === planId);
    if (!plan) throw domainError(BILLING_ERRORS.planUnknown, { details: { field: 'planId' } });
    if (!this.stripe.enabled) throw domainError(BILLING_ERRORS.disabled);
    if (workspace.status === 'deprovisioning') {
      throw domainError(BILLING_ERRORS.workspaceDeprovisioning);
    }
    if (
      await this.dataSource.manager.existsBy(BillingSubscriptionEntity, {
        workspaceId,
        status: In([...LIVE_SUBSCRIPTION_STATUSES]),
      })
    ) {
      throw domainError(BILLING_ERRORS.alreadySubscribed);
    }
    const customerId = await this.ensureCustomer(workspace, user, actor);
    const base = `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/workspaces/${workspaceId}/billing`;
    // Same key (so the same session) for a double click; a new one once a subscription came
    // and went (a replayed, already completed session could not be paid again).
    const window = Math.floor(Date.now() / CHECKOUT_IDEMPOTENCY_WINDOW_MS);
    const generation = await this.dataSource.manager.countBy(BillingSubscriptionEntity, { workspaceId });
    const session = await this.stripe.createCheckoutSession({
      workspaceId,
      customerId,
      priceId: plan.stripePriceId,
      planId: plan.id,
      successUrl: `${base}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${base}?checkout=canceled`,
      idempotencyKey: `enclave-checkout-${workspaceId}-${plan.id}-${user.id}-${window}-${generation}`,
    });
    await this.audit.recordAlone({
      actor,
      action: 'billing.checkout_started',
      workspaceId,
      target: { type: 'stripe_checkout_session', id: session.id },
      details: { planId: plan.id },
    });
    return { url: session.url };
  }

  /** A Stripe customer portal session, for card changes, invoices and cancellation. */
  async openPortal(workspaceId: string, userId: string, actor: AuditActor): Promise<{ url: string }> {
    await this.access.require(workspaceId, userId, 'admin');
    const account = await this.dataSource.manager.findOneBy(BillingAccountEntity, { workspaceId });
    if (!account) throw domainError(BILLING_ERRORS.noBillingAccount);
    const session = await this.stripe.createPortalSession(
      account.stripeCustomerId,
      `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/workspaces/${workspaceId}/billing`,
    );
    await this.audit.recordAlone({
      actor,
      action: 'billing.portal_opened',
      workspaceId,
      target: { type: 'stripe_customer', id: account.stripeCustomerId },
    });
    return { url: session.url };
  }

  /**
   * The workspace's one Stripe customer, created at its first checkout and reused after.
   * The workspace row is locked meanwhile, and the create call carries an idempotency key
   * derived from the workspace, so racing first checkouts still make a single customer.
   */
  private async ensureCustomer(workspace: WorkspaceEntity, user: UserEntity, actor: AuditActor): Promise<string> {
    const existing = await this.dataSource.manager.findOneBy(BillingAccountEntity, { workspaceId: workspace.id });
    if (existing) return existing.stripeCustomerId;
    return this.dataSource.transaction(async (manager) => {
      await lockWorkspace(manager, workspace.id);
      const again = await manager.findOneBy(BillingAccountEntity, { workspaceId: workspace.id });
      if (again) return again.stripeCustomerId;
      const customerId = await this.stripe.createCustomer({
        workspaceId: workspace.id,
        workspaceName: workspace.name,
        email: user.email,
      });
      await manager.save(
        BillingAccountEntity,
        manager.create(BillingAccountEntity, {
          workspaceId: workspace.id,
          stripeCustomerId: customerId,
          graceEndsAt: null,
          deprovisionAt: null,
        }),
      );
      await this.audit.record(manager, {
        actor,
        action: 'billing.customer_created',
        workspaceId: workspace.id,
        target: { type: 'stripe_customer', id: customerId },
      });
      return customerId;
    });
  }
}
