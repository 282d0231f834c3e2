import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** What we asked a workspace's node to apply: config revision, retention window, suspension. */
@Entity('workspace_node_settings')
export class WorkspaceNodeSettingsEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  /** Bumped on every agent/channel change; the node refuses a lower one. */
  @Column({ name: 'config_revision', type: 'int', default: 0 })
  configRevision: number;

  @Column({ name: 'applied_revision', type: 'int', nullable: true })
  appliedRevision: number | null;

  @Column({ name: 'config_applied_at', type: 'timestamptz', nullable: true })
  configAppliedAt: Date | null;

  @Column({ name: 'retention_days', type: 'int', nullable: true })
  retentionDays: number | null;

  @Column({ name: 'retention_applied_at', type: 'timestamptz', nullable: true })
  retentionAppliedAt: Date | null;

  @Column({ type: 'boolean', default: false })
  suspended: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
