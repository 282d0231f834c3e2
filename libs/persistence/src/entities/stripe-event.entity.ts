import { Column, Entity, PrimaryColumn } from 'typeorm';

export const STRIPE_EVENT_OUTCOMES = ['processed', 'ignored'] as const;
export type StripeEventOutcome = (typeof STRIPE_EVENT_OUTCOMES)[number];

/**
 * Every Stripe event we accepted, by id: the primary key is what makes a redelivered event
 * a no-op. Inserted first, inside the transaction that applies the event.
 */
@Entity('stripe_events')
export class StripeEventEntity {
  /** Stripe's event id (evt_…). */
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  type: string;

  /** When Stripe created the event (not when it reached us). */
  @Column({ name: 'stripe_created_at', type: 'timestamptz' })
  stripeCreatedAt: Date;

  @Column({ name: 'workspace_id', type: 'uuid', nullable: true })
  workspaceId: string | null;

  @Column({ type: 'text' })
  outcome: StripeEventOutcome;

  /** Why an event was ignored (unknown type, unknown customer, …). */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}
