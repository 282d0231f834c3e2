import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const HOST_PROVIDERS = ['pool', 'ovhcloud'] as const;
export type HostProviderName = (typeof HOST_PROVIDERS)[number];
export const HOST_STATUSES = ['creating', 'free', 'allocated', 'wiping', 'retired'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

/**
 * A server an agent node can run on: registered by staff (pool) or created through the
 * OVHcloud API. Its SSH host key fingerprint is pinned here; provisioning refuses a host that
 * presents another key. At most one workspace per host (unique workspace_id).
 */
@Entity('hosts')
export class HostEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  provider: HostProviderName;

  /** Unique label (pool) or the OVHcloud VPS service name. */
  @Column({ type: 'text', unique: true })
  name: string;

  @Column({ type: 'text' })
  address: string;

  @Column({ name: 'ssh_port', type: 'int', default: 22 })
  sshPort: number;

  @Column({ name: 'ssh_user', type: 'text', default: 'root' })
  sshUser: string;

  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; null only while an OVHcloud VPS is being created. */
  @Column({ name: 'host_key_fingerprint', type: 'text', nullable: true })
  hostKeyFingerprint: string | null;

  /** Where the node is installed on the host (several test hosts may share one machine). */
  @Column({ name: 'install_root', type: 'text', default: '/opt/enclave' })
  installRoot: string;

  /** Loopback port the agent node's HTTP server listens on. */
  @Column({ name: 'node_port', type: 'int', default: 8080 })
  nodePort: number;

  /** Public HTTPS port (TLS terminated with the Cloudflare origin certificate). */
  @Column({ name: 'public_port', type: 'int', default: 443 })
  publicPort: number;

  @Column({ type: 'text' })
  status: HostStatus;

  @Column({ name: 'workspace_id', type: 'uuid', nullable: true, unique: true })
  workspaceId: string | null;

  /** Provider-side id (OVHcloud service name / order id). */
  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
