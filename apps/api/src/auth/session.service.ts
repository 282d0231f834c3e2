import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { SessionEntity, UserEntity } from '@enclave/persistence';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import type { RequestAuth } from '../common/request-context';
import { type SessionCookie, sessionCookie } from './cookies';
import { hashToken, newOpaqueToken } from './tokens';

@Injectable()
export class SessionService {
  /** The session cookie's name and attributes: everything that sets, reads or clears it uses these. */
  readonly cookie: SessionCookie;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly audit: AuditService,
  ) {
    this.cookie = sessionCookie(config);
  }

  /** The session token a request carries in its cookie, if it has a plausible one. */
  tokenOf(cookies: Record<string, unknown> | undefined): string | null {
    const token = cookies?.[this.cookie.name];
    return typeof token === 'string' && token.length > 0 && token.length <= 128 ? token : null;
  }

  /** Creates a session in the caller's transaction and returns the cookie token (shown once). */
  async create(manager: EntityManager, userId: string, actor: AuditActor): Promise<string> {
    const token = newOpaqueToken();
    const session = await manager.save(SessionEntity, {
      userId,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + this.config.SESSION_TTL_DAYS * 86_400_000),
      ip: actor.ip ?? null,
      userAgent: actor.userAgent?.slice(0, 512) ?? null,
      revokedAt: null,
    });
    await this.audit.record(manager, {
      actor: { ...actor, type: 'user', id: userId },
      action: 'session.created',
      target: { type: 'session', id: session.id },
    });
    return token;
  }

  async resolve(token: string): Promise<RequestAuth | null> {
    const session = await this.dataSource
      .getRepository(SessionEntity)
      .findOneBy({ tokenHash: hashToken(token), revokedAt: IsNull() });
    if (!session || session.expiresAt.getTime() <= Date.now()) return null;
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: session.userId });
    return user ? { user, sessionId: session.id } : null;
  }

  /** Revokes one session, or with `everywhere` every session of the user. */
  async revoke(auth: RequestAuth, actor: AuditActor, everywhere: boolean): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const where = everywhere
        ? { userId: auth.user.id, revokedAt: IsNull() }
        : { id: auth.sessionId, revokedAt: IsNull() };
      const result = await manager.update(SessionEntity, where, { revokedAt: new Date() });
      const count = result.affected ?? 0;
      await this.audit.record(manager, {
        actor,
        action: everywhere ? 'session.revoked_all' : 'session.revoked',
        target: { type: 'user', id: auth.user.id },
        details: { sessions: count },
      });
      return count;
    });
  }
}
