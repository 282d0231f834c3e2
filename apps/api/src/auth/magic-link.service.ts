import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { MailerService } from '@enclave/mailer';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { MagicLinkTokenEntity } from '@enclave/persistence';
import { DataSource, MoreThan } from 'typeorm';
import { AUTH_ERRORS } from './auth.errors';
import { AuthService, type SignInResult } from './auth.service';
import { hashToken, newOpaqueToken } from './tokens';

const RATE_WINDOW_MS = 15 * 60_000;

@Injectable()
export class MagicLinkService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly mailer: MailerService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  /** Emails a single-use sign-in link. Answers the same whether or not the address has an account. */
  async request(rawEmail: string, actor: AuditActor, marketingOptIn = false): Promise<void> {
    const email = rawEmail.toLowerCase();
    const token = newOpaqueToken();
    await this.dataSource.transaction(async (manager) => {
      // Serialise requests for one address so the rate limit cannot be raced.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`magic-link:${email}`]);
      const recent = await manager.countBy(MagicLinkTokenEntity, {
        email,
        createdAt: MoreThan(new Date(Date.now() - RATE_WINDOW_MS)),
      });
      if (recent >= this.config.MAGIC_LINK_MAX_PER_WINDOW) {
        throw domainError(AUTH_ERRORS.magicLinkRateLimited);
      }
      const saved = await manager.save(MagicLinkTokenEntity, {
        email,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + this.config.MAGIC_LINK_TTL_MINUTES * 60_000),
        usedAt: null,
        marketingOptIn,
      });
      await this.audit.record(manager, {
        actor,
        action: 'magic_link.requested',
        target: { type: 'magic_link', id: saved.id },
      });
    });
    const link = new URL('/api/auth/email/callback', this.config.PUBLIC_URL);
    link.searchParams.set('token', token);
    await this.mailer.send({
      to: email,
      category: 'sign_in',
      subject: 'Your Enclave sign-in link',
      text: `Sign in to Enclave:\n\n${link.toString()}\n\nThe link works once and expires in ${this.config.MAGIC_LINK_TTL_MINUTES} minutes. If you did not ask for it, ignore this email.`,
    });
  }

  /**
   * Consumes the token atomically (a second use finds it used) and signs the owner of the address
   * in. Every other outstanding link for that address is spent at the same time, so a link left in
   * a mailbox cannot be used later. Serialised per address with request()'s advisory lock, so two
   * links consumed at once cannot deadlock on each other's rows.
   */
  async consume(token: string, actor: AuditActor): Promise<SignInResult> {
    const tokenHash = hashToken(token);
    let marketingOptIn = false;
    const email = await this.dataSource.transaction(async (manager) => {
      const link = await manager.findOneBy(MagicLinkTokenEntity, { tokenHash });
      if (!link) return null;
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`magic-link:${link.email}`]);
      const rows = (await manager.query(
        `UPDATE magic_link_tokens SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING email, marketing_opt_in AS "marketingOptIn"`,
        [tokenHash],
      )) as [Array<{ email: string; marketingOptIn: boolean }>, number];
      const consumed = rows[0][0]?.email;
      if (!consumed) return null;
      marketingOptIn = rows[0][0].marketingOptIn;
      await manager.query(
        `UPDATE magic_link_tokens SET used_at = now()
         WHERE email = $1 AND token_hash <> $2 AND used_at IS NULL AND expires_at > now()`,
        [consumed, tokenHash],
      );
      return consumed;
    });
    if (!email) throw domainError(AUTH_ERRORS.magicLinkInvalid);
    return this.auth.signIn({ provider: 'email', subject: email, email, emailVerified: true, marketingOptIn }, actor);
  }
}
