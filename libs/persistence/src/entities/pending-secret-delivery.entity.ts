import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A secret waiting for its node: AES-256-GCM sealed with SECRET_ENCRYPTION_KEY (AAD binds it
 * to the record), at most one hour. Deleted on delivery or by the sweep once expired.
 */
@Entity('pending_secret_deliveries')
export class PendingSecretDeliveryEntity {
  @PrimaryColumn({ name: 'secret_record_id', type: 'uuid' })
  secretRecordId: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'text' })
  sealed: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
