import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const WORKSPACE_STATUSES = [
  'pending_payment',
  'provisioning',
  'active',
  'provisioning_failed',
  'past_due',
  'suspended',
  'canceled',
  'deprovisioning',
  'deprovisioned',
] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

@Entity('workspaces')
export class WorkspaceEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** DNS label used in `<slug>.<zone>`; unique among all workspaces ever created. */
  @Column({ type: 'text', unique: true })
  slug: string;

  @Column({ type: 'text', default: 'pending_payment' })
  status: WorkspaceStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
