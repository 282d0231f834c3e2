import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const SECRET_KINDS = [
  'openai_api_key',
  'anthropic_api_key',
  'telegram_bot_token',
  'whatsapp_access_token',
  'whatsapp_app_secret',
  'widget_identity_secret',
  'webhook_signing_secret',
  'email_provider_credential',
  'chat_api_key',
] as const;
export type SecretKindName = (typeof SECRET_KINDS)[number];
export const SECRET_STATUSES = ['pending', 'delivered', 'expired'] as const;
export type SecretStatus = (typeof SECRET_STATUSES)[number];

/**
 * What the control plane knows of a customer secret: its kind and scope, a mask (last 4
 * characters), a keyed fingerprint (HMAC-SHA256 with SECRET_PEPPER) and timestamps.
 * Never the value.
 */
@Entity('secret_records')
export class SecretRecordEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'text' })
  kind: SecretKindName;

  /** `default` (workspace-wide) or the id of the channel it belongs to. */
  @Column({ type: 'text' })
  scope: string;

  @Column({ type: 'text' })
  mask: string;

  @Column({ type: 'text' })
  fingerprint: string;

  @Column({ type: 'text' })
  status: SecretStatus;

  @Column({ name: 'validated_at', type: 'timestamptz' })
  validatedAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
