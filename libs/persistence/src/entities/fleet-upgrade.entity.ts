import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const FLEET_UPGRADE_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type FleetUpgradeStatus = (typeof FLEET_UPGRADE_STATUSES)[number];

export interface FleetUpgradeNodeResult {
  nodeId: string;
  workspaceId: string;
  from: string | null;
  to: string;
  outcome: 'upgraded' | 'rolled_back' | 'skipped' | 'failed';
  error?: string;
}

/** A staff-requested rolling upgrade of agent nodes to the current bundle, N at a time. */
@Entity('fleet_upgrades')
export class FleetUpgradeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', nullable: true })
  version: string | null;

  @Column({ name: 'batch_size', type: 'int' })
  batchSize: number;

  /** Only these nodes (null: every healthy node). */
  @Column({ name: 'node_ids', type: 'jsonb', nullable: true })
  nodeIds: string[] | null;

  @Column({ type: 'text' })
  status: FleetUpgradeStatus;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  results: FleetUpgradeNodeResult[];

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
