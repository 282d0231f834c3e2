import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig, domainError, humanTextOrNull } from '@enclave/platform';
import {
  IdentityEntity,
  type IdentityProvider,
  InvitationEntity,
  MembershipEntity,
  UserEntity,
} from '@enclave/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { AUTH_ERRORS } from './auth.errors';
import { newOpaqueToken } from './tokens';
import { SessionService } from './session.service';

/** What a sign-in method proves about a person, whatever the provider. */
export interface VerifiedIdentity {
  provider: IdentityProvider;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name?: string | null;
  avatarUrl?: string | null;
  /** The sign-up form's marketing opt-in (off unless ticked); applies only when this creates the user. */
  marketingOptIn?: boolean;
}

export interface SignInResult {
  user: UserEntity;
  /** A new session's cookie token; null when the identity was linked to the signed-in user instead. */
  sessionToken: string | null;
}

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Finds the user behind an identity, or links it to the user with the same verified
   * email, or creates a user; then opens a session. All in one transaction with its audit events.
   */
  async signIn(identity: VerifiedIdentity, actor: AuditActor, linkTo?: UserEntity): Promise<SignInResult> {
    if (linkTo) return this.link(identity, actor, linkTo);
    return this.dataSource.transaction(async (manager) => {
      const user = await this.findOrCreateUser(manager, identity, actor);
      await this.applyStaffList(manager, user, actor);
      await this.acceptInvitations(manager, user, actor);
      const sessionToken = await this.sessions.create(manager, user.id, actor);
      return { user, sessionToken };
    });
  }

  /**
   * A signed-in user came back from a provider (the account page's "Link"): the identity joins
   * their account, whatever its email. One already linked to another account is refused.
   */
  private async link(identity: VerifiedIdentity, actor: AuditActor, user: UserEntity): Promise<SignInResult> {
    return this.dataSource.transaction(async (manager) => {
      const known = await manager.findOneBy(IdentityEntity, { provider: identity.provider, subject: identity.subject });
      if (known && known.userId !== user.id) throw domainError(AUTH_ERRORS.identityInUse);
      if (known) {
        await manager.update(IdentityEntity, { id: known.id }, { lastUsedAt: new Date() });
        return { user, sessionToken: null };
      }
      const linked = await manager.save(
        IdentityEntity,
        manager.create(IdentityEntity, {
          userId: user.id,
          provider: identity.provider,
          subject: identity.subject,
          email: identity.email?.toLowerCase() ?? '',
          lastUsedAt: new Date(),
        }),
      );
      await this.audit.record(manager, {
        actor: { ...actor, type: 'user', id: user.id },
        action: 'identity.linked',
        target: { type: 'identity', id: linked.id },
        details: { provider: identity.provider, signedIn: true },
      });
      return { user, sessionToken: null };
    });
  }

  private async findOrCreateUser(
    manager: EntityManager,
    identity: VerifiedIdentity,
    actor: AuditActor,
  ): Promise<UserEntity> {
    const known = await manager.findOneBy(IdentityEntity, { provider: identity.provider, subject: identity.subject });
    if (known) {
      await manager.update(IdentityEntity, { id: known.id }, { lastUsedAt: new Date() });
      return manager.findOneByOrFail(UserEntity, { id: known.userId });
    }
    if (!identity.email || !identity.emailVerified) {
      throw domainError(AUTH_ERRORS.emailNotVerified, {
        message: `Your ${identity.provider} account has no verified email address.`,
      });
    }
    const email = identity.email.toLowerCase();
    let user = await manager.findOneBy(UserEntity, { email });
    if (!user) {
      user = await manager.save(
        UserEntity,
        manager.create(UserEntity, {
          email,
          // A profile name we could not store (a control character, a lone surrogate) is left out, not a failed sign-in.
          name: humanTextOrNull(identity.name, { max: 255 }),
          avatarUrl: identity.avatarUrl ?? null,
          isStaff: false,
          ...marketingFields(identity.marketingOptIn === true),
        }),
      );
      await this.audit.record(manager, {
        actor: { ...actor, type: 'user', id: user.id },
        action: 'user.created',
        target: { type: 'user', id: user.id },
        details: { provider: identity.provider, marketingOptIn: identity.marketingOptIn === true },
      });
    }
    const linked = await manager.save(
      IdentityEntity,
      manager.create(IdentityEntity, {
        userId: user.id,
        provider: identity.provider,
        subject: identity.subject,
        email,
        lastUsedAt: new Date(),
      }),
    );
    await this.audit.record(manager, {
      actor: { ...actor, type: 'user', id: user.id },
      action: 'identity.linked',
      target: { type: 'identity', id: linked.id },
      details: { provider: identity.provider },
    });
    return user;
  }

  private async applyStaffList(manager: EntityManager, user: UserEntity, actor: AuditActor): Promise<void> {
    if (user.isStaff || !this.config.STAFF_EMAILS.includes(user.email)) return;
    user.isStaff = true;
    await manager.update(UserEntity, { id: user.id }, { isStaff: true });
    await this.audit.record(manager, {
      actor: { ...actor, type: 'system', id: null },
      action: 'user.staff_granted',
      target: { type: 'user', id: user.id },
      details: { source: 'STAFF_EMAILS' },
    });
  }

  private async acceptInvitations(manager: EntityManager, user: UserEntity, actor: AuditActor): Promise<void> {
    const invitations = await manager.findBy(InvitationEntity, { email: user.email });
    for (const invitation of invitations) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(MembershipEntity)
        .values({ workspaceId: invitation.workspaceId, userId: user.id, role: invitation.role })
        .orIgnore()
        .execute();
      await manager.delete(InvitationEntity, { id: invitation.id });
      await this.audit.record(manager, {
        actor: { ...actor, type: 'user', id: user.id },
        action: 'invitation.accepted',
        workspaceId: invitation.workspaceId,
        target: { type: 'user', id: user.id },
        details: { role: invitation.role },
      });
    }
  }
}

/** A new user's marketing choice: opted in only when the sign-up form's box was ticked. */
function marketingFields(
  optIn: boolean,
): Pick<UserEntity, 'marketingOptIn' | 'marketingConsentAt' | 'unsubscribeToken'> {
  return optIn
    ? { marketingOptIn: true, marketingConsentAt: new Date(), unsubscribeToken: newOpaqueToken() }
    : { marketingOptIn: false, marketingConsentAt: null, unsubscribeToken: null };
}
