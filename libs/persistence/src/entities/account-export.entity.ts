import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AccountExportStatus = 'pending' | 'ready' | 'failed';

/**
 * A user's "Download my data": built by the worker (a zip of JSON files), downloadable by that
 * user only until `expiresAt`; the retention job drops the archive afterwards.
 */
@Entity('account_exports')
export class AccountExportEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text', default: 'pending' })
  status: AccountExportStatus;

  /** The zip itself while its link is valid; null before it is built and after it expired. */
  @Column({ type: 'bytea', nullable: true, select: false })
  archive: Buffer | null;

  @Column({ type: 'int', nullable: true })
  bytes: number | null;

  @Column({ type: 'text', nullable: true })
  sha256: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}
