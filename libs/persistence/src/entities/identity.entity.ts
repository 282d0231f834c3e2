import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type IdentityProvider = 'github' | 'google' | 'email' | 'apple';

/** A way to sign in as a user: one row per provider account (provider + subject). */
@Entity('identities')
@Index(['provider', 'subject'], { unique: true })
export class IdentityEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  provider: IdentityProvider;

  /** The provider's stable account id (GitHub user id, Google or Apple `sub`, or the email). */
  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'text' })
  email: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt: Date;
}
