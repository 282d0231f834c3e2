import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A key of the node's OpenAI-compatible chat API, as the control plane knows it: name, mask,
 * keyed fingerprint, the agent it may use and its settings, when it was made, last used and
 * revoked. Never the key (shown once at creation) nor its hash (delivered to the node as the
 * secret `chat_api_key`, scope = this id, and not kept here). The id is the node's `api` channel id.
 */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'agent_id', type: 'uuid' })
  agentId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  mask: string;

  @Column({ type: 'text' })
  fingerprint: string;

  /** Off: the node stores nothing of requests and replies (counts only). */
  @Column({ type: 'boolean' })
  history: boolean;

  @Column({ name: 'requests_per_minute', type: 'integer' })
  requestsPerMinute: number;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** As the node reports it with its heartbeat. */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
