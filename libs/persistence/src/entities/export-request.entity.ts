import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** `preparing`: the node builds the archive; `ready`: its link works until `expiresAt`; `failed`: it could not. */
export type ExportRequestState = 'preparing' | 'ready' | 'failed';

/**
 * That a member asked for an export, and until when its link works. Never the link (its
 * signature is a bearer credential) and never the archive: those exist only on the node.
 * Expiry and counts are known once the node's job is ready.
 */
@Entity('export_requests')
export class ExportRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'requested_by', type: 'uuid' })
  requestedBy: string;

  @Column({ name: 'node_export_id', type: 'text' })
  nodeExportId: string;

  @Column({ type: 'text' })
  state: ExportRequestState;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'int', nullable: true })
  conversations: number | null;

  @Column({ type: 'int', nullable: true })
  messages: number | null;

  @Column({ type: 'bigint', nullable: true })
  bytes: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
