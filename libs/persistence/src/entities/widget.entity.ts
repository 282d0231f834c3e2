import type { WidgetSettings } from '@enclave/node-protocol';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A workspace's website chat widget: configuration metadata only (appearance, consent mode,
 * pre-chat fields, hours, allowed origins, limits). Its conversations live on the node; its
 * identity-verification secret is a secret record (kind `widget_identity_secret`, scope = this id).
 * The id is the node's `web` channel id.
 */
@Entity('widgets')
export class WidgetEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  /** The agent that answers; null after that agent was deleted (the node then gets no widget). */
  @Column({ name: 'agent_id', type: 'uuid', nullable: true })
  agentId: string | null;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ type: 'jsonb' })
  settings: WidgetSettings;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
