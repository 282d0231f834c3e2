import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Lower-cased, verified email; one user per address. */
  @Column({ type: 'text', unique: true })
  email: string;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl: string | null;

  @Column({ name: 'is_staff', type: 'boolean', default: false })
  isStaff: boolean;

  /** Explicit opt-in to product news (off by default); transactional mail ignores it. */
  @Column({ name: 'marketing_opt_in', type: 'boolean', default: false })
  marketingOptIn: boolean;

  /** When the current marketing choice was made (opt-in or opt-out). */
  @Column({ name: 'marketing_consent_at', type: 'timestamptz', nullable: true })
  marketingConsentAt: Date | null;

  /** Random token of the unsubscribe link in marketing mail (works without signing in; it can only unsubscribe). */
  @Column({ name: 'unsubscribe_token', type: 'text', nullable: true, unique: true })
  unsubscribeToken: string | null;

  /** Set when the account was deleted: the row stays as a tombstone without email, name or avatar. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
