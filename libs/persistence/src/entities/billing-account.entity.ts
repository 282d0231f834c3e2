import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A workspace's billing identity: its one Stripe customer (created at the first checkout and
 * reused), and the billing timers that are running for it. No card data is ever stored:
 * cards live in Stripe, entered on Stripe's own pages.
 */
@Entity('billing_accounts')
export class BillingAccountEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'stripe_customer_id', type: 'text', unique: true })
  stripeCustomerId: string;

  /** Set while the workspace is past due: when it will be suspended if still unpaid. */
  @Column({ name: 'grace_ends_at', type: 'timestamptz', nullable: true })
  graceEndsAt: Date | null;

  /** Set while the workspace is canceled: when its deprovisioning will be requested. */
  @Column({ name: 'deprovision_at', type: 'timestamptz', nullable: true })
  deprovisionAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
