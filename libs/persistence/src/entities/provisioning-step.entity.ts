import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const PROVISIONING_STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export type ProvisioningStepStatus = (typeof PROVISIONING_STEP_STATUSES)[number];

/** One step of a run; the log holds redacted command output (never a secret). */
@Entity('provisioning_steps')
export class ProvisioningStepEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'int' })
  position: number;

  @Column({ type: 'text' })
  status: ProvisioningStepStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'text', default: '' })
  log: string;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}
