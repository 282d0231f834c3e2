import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const JOB_OUTBOX_OPERATIONS = ['add', 'requeue', 'remove'] as const;
export type JobOutboxOperation = (typeof JOB_OUTBOX_OPERATIONS)[number];

/**
 * A BullMQ job written in the same transaction as the change that needs it, waiting for the
 * outbox relay (libs/queue) to put it in Redis. Deleted once relayed. See migration `JobOutbox`.
 */
@Entity('job_outbox')
export class JobOutboxEntity {
  /** bigserial: relay order. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  operation: JobOutboxOperation;

  @Column({ type: 'text' })
  queue: string;

  @Column({ name: 'job_name', type: 'text' })
  jobName: string;

  /** Always set (deterministic, or made up when the row is written), so relaying twice adds one job. */
  @Column({ name: 'job_id', type: 'text' })
  jobId: string;

  /** Validated against the job's schema when written and again when relayed. Ids only. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  payload: Record<string, unknown>;

  /** BullMQ options other than the id and the delay (attempts, backoff, retention). */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  options: Record<string, unknown>;

  /** When a delayed job is due (the delay is counted from here, not from the relay). */
  @Column({ name: 'run_at', type: 'timestamptz', nullable: true })
  runAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** When a relay may take the row (later after a failure, or while a relay holds it). */
  @Column({ name: 'available_at', type: 'timestamptz', default: () => 'now()' })
  availableAt: Date;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;
}
