import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { MailerService } from '@enclave/mailer';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { EmailChangeRequestEntity, IdentityEntity, UserEntity } from '@enclave/persistence';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { hashToken, newOpaqueToken } from '../auth/tokens';
import { ACCOUNT_ERRORS } from './account.errors';

const RATE_WINDOW_MS = 15 * 60_000;
const MAX_PER_WINDOW = 5;
const UNIQUE_VIOLATION = '23505';

/**
 * Changing the account's email: a single-use link (hashed at rest, magic-link lifetime) goes to
 * the new address, and only opening it changes the address. The old address is told afterwards.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
  ) {}

  async request(user: UserEntity, newEmail: string, actor: AuditActor): Promise<void> {
    if (newEmail === user.email) throw domainError(ACCOUNT_ERRORS.emailUnchanged);
    const token = newOpaqueToken();
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`email-change:${user.id}`]);
      const recent = await manager.countBy(EmailChangeRequestEntity, {
        userId: user.id,
        createdAt: MoreThan(new Date(Date.now() - RATE_WINDOW_MS)),
      });
      if (recent >= MAX_PER_WINDOW) throw domainError(ACCOUNT_ERRORS.emailChangeRateLimited);
      if (await manager.existsBy(UserEntity, { email: newEmail })) throw domainError(ACCOUNT_ERRORS.emailTaken);
      // A new request spends the earlier ones: only the latest link works.
      await manager.update(EmailChangeRequestEntity, { userId: user.id, usedAt: IsNull() }, { usedAt: new Date() });
      const saved = await manager.save(EmailChangeRequestEntity, {
        userId: user.id,
        newEmail,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + this.config.MAGIC_LINK_TTL_MINUTES * 60_000),
        usedAt: null,
      });
      await this.audit.record(manager, {
        actor,
        action: 'user.email_change_requested',
        target: { type: 'email_change', id: saved.id },
      });
    });
    const link = new URL('/api/account/email/confirm', this.config.PUBLIC_URL);
    link.searchParams.set('token', token);
    await this.mailer.send({
      to: newEmail,
      category: 'security',
      subject: 'Confirm your new Enclave email address',
      text: `Open this link to make ${newEmail} the email address of your Enclave account:\n\n${link.toString()}\n\nThe link works once and expires in ${this.config.MAGIC_LINK_TTL_MINUTES} minutes. If you did not ask for it, ignore this email.`,
    });
  }

  /** Spends the link and changes the address (and the email sign-in method with it). */
  async confirm(token: string, actor: AuditActor): Promise<void> {
    const previous = await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `UPDATE email_change_requests SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING id, user_id AS "userId", new_email AS "newEmail"`,
        [hashToken(token)],
      )) as [Array<{ id: string; userId: string; newEmail: string }>, number];
      const request = rows[0][0];
      if (!request) throw domainError(ACCOUNT_ERRORS.emailChangeInvalid);
      const user = await manager.findOne(UserEntity, {
        where: { id: request.userId, deletedAt: IsNull() },
        lock: { mode: 'pessimistic_write' },
      });
      if (!user) throw domainError(ACCOUNT_ERRORS.emailChangeInvalid);
      const oldEmail = user.email;
      user.email = request.newEmail;
      try {
        await manager.save(user);
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw domainError(ACCOUNT_ERRORS.emailTaken);
        throw error;
      }
      // The email sign-in method follows the address: the old one no longer signs in.
      await manager.delete(IdentityEntity, { userId: user.id, provider: 'email' });
      await manager
        .createQueryBuilder()
        .insert()
        .into(IdentityEntity)
        .values({
          userId: user.id,
          provider: 'email',
          subject: request.newEmail,
          email: request.newEmail,
          lastUsedAt: new Date(),
        })
        .orIgnore()
        .execute();
      await this.audit.record(manager, {
        actor: { ...actor, type: 'user', id: user.id },
        action: 'user.email_changed',
        target: { type: 'user', id: user.id },
        details: { emailChangeId: request.id },
      });
      return oldEmail;
    });
    await this.mailer
      .send({
        to: previous,
        category: 'security',
        subject: 'The email address of your Enclave account was changed',
        text: 'The email address of your Enclave account was changed to a new one, confirmed from that address.\n\nIf this was not you, contact us right away.\n',
      })
      .catch(() => undefined);
  }
}
