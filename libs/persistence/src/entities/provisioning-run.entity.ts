import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const PROVISIONING_ACTIONS = ['provision', 'deprovision'] as const;
export type ProvisioningAction = (typeof PROVISIONING_ACTIONS)[number];
/** `canceled`: an unfinished provisioning superseded by the workspace's deprovisioning. */
export const PROVISIONING_RUN_STATUSES = ['running', 'succeeded', 'failed', 'canceled'] as const;
export type ProvisioningRunStatus = (typeof PROVISIONING_RUN_STATUSES)[number];

/** One provisioning or deprovisioning of a workspace; at most one unfinished per action. */
@Entity('provisioning_runs')
export class ProvisioningRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'text' })
  action: ProvisioningAction;

  @Column({ type: 'text' })
  status: ProvisioningRunStatus;

  /** Job attempts that worked on this run (each retry and each resume after a crash adds one). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
