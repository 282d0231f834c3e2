import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const NODE_STATUSES = ['installing', 'enrolled', 'healthy', 'degraded', 'offline', 'wiped'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/**
 * One agent node (one per workspace while it lives). The control plane keeps only the node's
 * public key and a hash of its one-time enrolment token, never the token or any node secret.
 */
@Entity('nodes')
export class NodeEntity {
  /** Also the node id the node uses in the protocol. */
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'host_id', type: 'uuid', nullable: true })
  hostId: string | null;

  @Column({ type: 'text' })
  status: NodeStatus;

  /** SHA-256 (hex) of the one-time enrolment token written into the node's config. */
  @Column({ name: 'enrolment_token_hash', type: 'text', nullable: true })
  enrolmentTokenHash: string | null;

  /** The node's Ed25519 public key (SPKI PEM), stored at enrolment. */
  @Column({ name: 'public_key', type: 'text', nullable: true })
  publicKey: string | null;

  @Column({ name: 'public_base_url', type: 'text', nullable: true })
  publicBaseUrl: string | null;

  /** Bundle version installed by provisioning (what `current` points at). */
  @Column({ name: 'bundle_version', type: 'text', nullable: true })
  bundleVersion: string | null;

  /** Version the node reports in its heartbeat. */
  @Column({ name: 'reported_version', type: 'text', nullable: true })
  reportedVersion: string | null;

  @Column({ name: 'enrolled_at', type: 'timestamptz', nullable: true })
  enrolledAt: Date | null;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', nullable: true })
  lastHeartbeatAt: Date | null;

  /** Node-reported state (active / suspended / wiped) from the last heartbeat. */
  @Column({ name: 'reported_state', type: 'text', nullable: true })
  reportedState: string | null;

  /** Health checks of the last heartbeat: ok flags and codes only. */
  @Column({ type: 'jsonb', nullable: true })
  health: Record<string, unknown> | null;

  @Column({ name: 'dns_record_id', type: 'text', nullable: true })
  dnsRecordId: string | null;

  @Column({ name: 'certificate_id', type: 'text', nullable: true })
  certificateId: string | null;

  @Column({ name: 'certificate_expires_at', type: 'timestamptz', nullable: true })
  certificateExpiresAt: Date | null;

  /** The node's signed wipe receipt (counts and file names only), or the wipe script's result. */
  @Column({ name: 'wipe_receipt', type: 'jsonb', nullable: true })
  wipeReceipt: Record<string, unknown> | null;

  @Column({ name: 'wiped_at', type: 'timestamptz', nullable: true })
  wipedAt: Date | null;

  /** Fingerprints of the control-plane keys the node trusts, as last set by reconciliation (NULL: the install key). */
  @Column({ name: 'trusted_key_fingerprints', type: 'text', array: true, nullable: true })
  trustedKeyFingerprints: string[] | null;

  /** The newest inbox notice (the node's outbox sequence) processed from a heartbeat; older ids are skipped. bigint: a string. */
  @Column({ name: 'last_inbox_notice_id', type: 'bigint', default: 0 })
  lastInboxNoticeId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
