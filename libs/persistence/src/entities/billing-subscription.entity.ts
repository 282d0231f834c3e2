import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Stripe's subscription statuses (https://docs.stripe.com/api/subscriptions/object#subscription_object-status). */
export const STRIPE_SUBSCRIPTION_STATUSES = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
] as const;
export type StripeSubscriptionStatus = (typeof STRIPE_SUBSCRIPTION_STATUSES)[number];

/** Paid: one such subscription is enough for the workspace to be served. */
export const PAID_SUBSCRIPTION_STATUSES = ['active', 'trialing'] as const satisfies readonly StripeSubscriptionStatus[];
/** Payment failed, Stripe still retrying or holding the subscription (the workspace is in its grace period or suspended). */
export const DELINQUENT_SUBSCRIPTION_STATUSES = [
  'past_due',
  'unpaid',
  'paused',
] as const satisfies readonly StripeSubscriptionStatus[];
/** Live: Stripe still bills (or tries to); a workspace has at most one such subscription. */
export const LIVE_SUBSCRIPTION_STATUSES = [...PAID_SUBSCRIPTION_STATUSES, ...DELINQUENT_SUBSCRIPTION_STATUSES] as const;

/** Our copy of one Stripe subscription, always overwritten with the state Stripe reports now. */
@Entity('billing_subscriptions')
@Index(['workspaceId'])
export class BillingSubscriptionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'stripe_customer_id', type: 'text' })
  stripeCustomerId: string;

  @Column({ name: 'stripe_subscription_id', type: 'text', unique: true })
  stripeSubscriptionId: string;

  @Column({ type: 'text' })
  status: StripeSubscriptionStatus;

  /** Our plan id (STRIPE_PLANS), or null when the price is not one of ours. */
  @Column({ name: 'plan_id', type: 'text', nullable: true })
  planId: string | null;

  @Column({ name: 'stripe_price_id', type: 'text', nullable: true })
  stripePriceId: string | null;

  @Column({ name: 'current_period_end', type: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null;

  @Column({ name: 'cancel_at_period_end', type: 'boolean', default: false })
  cancelAtPeriodEnd: boolean;

  /** `created` of the newest Stripe event applied to this row. */
  @Column({ name: 'last_event_created', type: 'timestamptz', nullable: true })
  lastEventCreated: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
