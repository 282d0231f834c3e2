import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const AUDIT_ACTOR_TYPES = ['user', 'staff', 'system', 'webhook', 'node'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];
export type AuditOutcome = 'success' | 'failure' | 'denied';

/**
 * Append-only (a trigger refuses UPDATE/DELETE/TRUNCATE) and tamper-evident: `hash` is
 * SHA-256 over this row's fields and the previous row's hash.
 */
@Entity('audit_events')
@Index(['workspaceId', 'id'])
@Index(['action', 'id'])
@Index(['actorId', 'id'])
@Index(['occurredAt'])
export class AuditEventEntity {
  /** bigint sequence: the chain order and the keyset cursor. */
  @PrimaryColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'actor_type', type: 'text' })
  actorType: AuditActorType;

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId: string | null;

  @Column({ name: 'workspace_id', type: 'uuid', nullable: true })
  workspaceId: string | null;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;

  @Column({ type: 'text' })
  outcome: AuditOutcome;

  /** Metadata only (ids, counts, states): never content or secrets. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;
}
