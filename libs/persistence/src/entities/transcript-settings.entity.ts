import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Where a workspace's node mails conversation transcripts, and through which provider: settings
 * only. The provider credential is a secret record (kind `email_provider_credential`); the
 * transcripts themselves are composed and sent by the node and never reach the control plane.
 */
@Entity('transcript_settings')
export class TranscriptSettingsEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ type: 'text' })
  provider: 'smtp' | 'resend' | 'postmark';

  @Column({ name: 'from_address', type: 'text' })
  fromAddress: string;

  @Column({ type: 'text', array: true })
  recipients: string[];

  @Column({ name: 'idle_minutes', type: 'int', nullable: true })
  idleMinutes: number | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
