import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { IdentityEntity, type IdentityProvider, SessionEntity, UserEntity } from '@enclave/persistence';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import type { RequestAuth } from '../common/request-context';
import { newOpaqueToken } from '../auth/tokens';
import { ACCOUNT_ERRORS } from './account.errors';
import type { AccountDto, UpdateAccountDto } from './dto/account.dto';

/** The account page: profile, marketing consent, linked sign-in methods and active sessions. */
@Injectable()
export class AccountService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly audit: AuditService,
  ) {}

  /** Providers this deployment offers besides email (always offered). */
  private offered(): IdentityProvider[] {
    const offered: IdentityProvider[] = ['email'];
    if (this.config.GITHUB_CLIENT_ID) offered.push('github');
    if (this.config.GOOGLE_CLIENT_ID) offered.push('google');
    if (this.config.APPLE_CLIENT_ID) offered.push('apple');
    return offered;
  }

  async get(auth: RequestAuth): Promise<AccountDto> {
    const user = await this.dataSource.getRepository(UserEntity).findOneByOrFail({ id: auth.user.id });
    const identities = await this.dataSource
      .getRepository(IdentityEntity)
      .find({ where: { userId: user.id }, order: { createdAt: 'ASC' } });
    const sessions = await this.dataSource.getRepository(SessionEntity).find({
      where: { userId: user.id, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    const linked = new Set(identities.map((identity) => identity.provider));
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      marketingOptIn: user.marketingOptIn,
      marketingConsentAt: user.marketingConsentAt?.toISOString() ?? null,
      createdAt: user.createdAt.toISOString(),
      identities: identities.map((identity) => ({
        id: identity.id,
        provider: identity.provider,
        email: identity.email,
        createdAt: identity.createdAt.toISOString(),
        lastUsedAt: identity.lastUsedAt.toISOString(),
      })),
      sessions: sessions.map((session) => ({
        id: session.id,
        current: session.id === auth.sessionId,
        ip: session.ip,
        userAgent: session.userAgent,
        createdAt: session.createdAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
      })),
      linkable: this.offered().filter((provider) => !linked.has(provider) && provider !== 'email'),
    };
  }

  async update(auth: RequestAuth, input: UpdateAccountDto, actor: AuditActor): Promise<AccountDto> {
    await this.dataSource.transaction(async (manager) => {
      const user = await manager.findOneOrFail(UserEntity, {
        where: { id: auth.user.id },
        lock: { mode: 'pessimistic_write' },
      });
      const changed: string[] = [];
      if (input.name !== undefined && input.name !== user.name) {
        user.name = input.name;
        changed.push('name');
      }
      if (input.marketingOptIn !== undefined && input.marketingOptIn !== user.marketingOptIn) {
        applyMarketingChoice(user, input.marketingOptIn);
        await this.audit.record(manager, {
          actor,
          action: input.marketingOptIn ? 'marketing.opted_in' : 'marketing.opted_out',
          target: { type: 'user', id: user.id },
          details: { source: 'account_page' },
        });
      }
      await manager.save(user);
      // The name itself stays out of the audit trail: it is personal data the chain could never forget.
      if (changed.length)
        await this.audit.record(manager, {
          actor,
          action: 'user.profile_updated',
          target: { type: 'user', id: user.id },
          details: { fields: changed },
        });
    });
    return this.get(auth);
  }

  /** Unlinks a sign-in method; the last one stays (the account could never be signed in to again). */
  async unlinkIdentity(auth: RequestAuth, identityId: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.findOneOrFail(UserEntity, { where: { id: auth.user.id }, lock: { mode: 'pessimistic_write' } });
      const identities = await manager.findBy(IdentityEntity, { userId: auth.user.id });
      const identity = identities.find((candidate) => candidate.id === identityId);
      if (!identity) throw domainError(ACCOUNT_ERRORS.identityNotFound);
      if (identities.length === 1) throw domainError(ACCOUNT_ERRORS.lastIdentity);
      await manager.delete(IdentityEntity, { id: identity.id });
      await this.audit.record(manager, {
        actor,
        action: 'identity.unlinked',
        target: { type: 'identity', id: identity.id },
        details: { provider: identity.provider },
      });
    });
  }

  async revokeSession(auth: RequestAuth, sessionId: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const result = await manager.update(
        SessionEntity,
        { id: sessionId, userId: auth.user.id, revokedAt: IsNull() },
        { revokedAt: new Date() },
      );
      if (!result.affected) throw domainError(ACCOUNT_ERRORS.sessionNotFound);
      await this.audit.record(manager, {
        actor,
        action: 'session.revoked',
        target: { type: 'session', id: sessionId },
        details: { sessions: 1, current: sessionId === auth.sessionId },
      });
    });
  }
}

/** Records a marketing choice on the user: when it was made, and the unsubscribe token while opted in. */
export function applyMarketingChoice(user: UserEntity, optIn: boolean): void {
  user.marketingOptIn = optIn;
  user.marketingConsentAt = new Date();
  if (optIn && !user.unsubscribeToken) user.unsubscribeToken = newOpaqueToken();
}
