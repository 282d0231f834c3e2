import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * That a member asked for an export, and until when its link works. Never the link (its
 * signature is a bearer credential) and never the archive: those exist only on the node.
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

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'int' })
  conversations: number;

  @Column({ type: 'int' })
  messages: number;

  @Column({ type: 'bigint' })
  bytes: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
