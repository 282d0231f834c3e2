import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { MailerService } from '@enclave/mailer';
import { domainError } from '@enclave/platform';
import {
  InvitationEntity,
  lockWorkspace,
  MembershipEntity,
  type MembershipRole,
  UserEntity,
} from '@enclave/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { InviteMemberDto, InviteResultDto, MembersDto } from './dto/workspace.dto';
import { WorkspaceAccessService } from './workspace-access.service';
import { WORKSPACE_ERRORS } from './workspaces.errors';

/** Who belongs to a workspace: members, invitations, roles; a workspace always keeps an owner. */
@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
  ) {}

  async list(workspaceId: string, userId: string): Promise<MembersDto> {
    await this.access.require(workspaceId, userId, 'member');
    const members = await this.dataSource
      .getRepository(MembershipEntity)
      .createQueryBuilder('m')
      .innerJoinAndMapOne('m.user', UserEntity, 'u', 'u.id = m.user_id')
      .where('m.workspace_id = :workspaceId', { workspaceId })
      .orderBy('m.created_at', 'ASC')
      .getMany();
    const invitations = await this.dataSource
      .getRepository(InvitationEntity)
      .find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
    return {
      members: members.map((m) => {
        const user = (m as MembershipEntity & { user: UserEntity }).user;
        return {
          userId: m.userId,
          email: user.email,
          name: user.name,
          role: m.role,
          joinedAt: m.createdAt.toISOString(),
        };
      }),
      invitations: invitations.map((i) => ({
        id: i.id,
        email: i.email,
        role: i.role,
        invitedAt: i.createdAt.toISOString(),
      })),
    };
  }

  /** Adds an existing user at once; otherwise records an invitation that becomes a membership at their first sign-in. */
  async invite(
    workspaceId: string,
    inviter: UserEntity,
    input: InviteMemberDto,
    actor: AuditActor,
  ): Promise<InviteResultDto> {
    const result = await this.dataSource.transaction(async (manager) => {
      const { workspace } = await this.access.require(workspaceId, inviter.id, 'admin', manager);
      const existing = await manager.findOneBy(UserEntity, { email: input.email });
      if (existing) {
        if (await manager.existsBy(MembershipEntity, { workspaceId, userId: existing.id })) {
          throw domainError(WORKSPACE_ERRORS.alreadyMember);
        }
        await manager.save(MembershipEntity, { workspaceId, userId: existing.id, role: input.role });
        await this.audit.record(manager, {
          actor,
          action: 'membership.created',
          workspaceId,
          target: { type: 'user', id: existing.id },
          details: { role: input.role },
        });
        return { status: 'added' as const, workspace };
      }
      const invitation = await manager
        .createQueryBuilder()
        .insert()
        .into(InvitationEntity)
        .values({ workspaceId, email: input.email, role: input.role, invitedBy: inviter.id })
        .orUpdate(['role'], ['workspace_id', 'email'])
        .returning(['id'])
        .execute();
      await this.audit.record(manager, {
        actor,
        action: 'invitation.created',
        workspaceId,
        target: { type: 'invitation', id: String(invitation.identifiers[0]?.id ?? invitation.raw[0]?.id) },
        details: { role: input.role },
      });
      return { status: 'invited' as const, workspace };
    });
    await this.mailer.send({
      to: input.email,
      category: 'team',
      subject: `You were added to ${result.workspace.name} on Enclave`,
      text: `${inviter.name ?? inviter.email} ${result.status === 'added' ? 'added you to' : 'invited you to'} the workspace "${result.workspace.name}" on Enclave as ${input.role}.\n\nSign in with this email address to open it.`,
    });
    return { status: result.status, email: input.email };
  }

  async revokeInvitation(workspaceId: string, userId: string, invitationId: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const deleted = await manager.delete(InvitationEntity, { id: invitationId, workspaceId });
      if (!deleted.affected) throw domainError(WORKSPACE_ERRORS.invitationNotFound);
      await this.audit.record(manager, {
        actor,
        action: 'invitation.revoked',
        workspaceId,
        target: { type: 'invitation', id: invitationId },
      });
    });
  }

  async changeRole(
    workspaceId: string,
    actingUserId: string,
    memberUserId: string,
    role: MembershipRole,
    actor: AuditActor,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const { membership: acting } = await this.access.require(workspaceId, actingUserId, 'admin', manager);
      const target = await this.lockedMember(manager, workspaceId, memberUserId);
      if ((role === 'owner' || target.role === 'owner') && acting.role !== 'owner') {
        throw domainError(WORKSPACE_ERRORS.roleRequired, {
          message: 'Only owners can grant or remove the owner role.',
          details: { required: 'owner', current: acting.role },
        });
      }
      if (target.role === 'owner' && role !== 'owner')
        await this.ensureAnotherOwner(manager, workspaceId, memberUserId);
      const before = target.role;
      target.role = role;
      await manager.save(target);
      await this.audit.record(manager, {
        actor,
        action: 'membership.role_changed',
        workspaceId,
        target: { type: 'user', id: memberUserId },
        details: { before, after: role },
      });
    });
  }

  async removeMember(
    workspaceId: string,
    actingUserId: string,
    memberUserId: string,
    actor: AuditActor,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Anyone may leave; removing someone else needs admin (and owner to remove an owner).
      const minimum: MembershipRole = actingUserId === memberUserId ? 'member' : 'admin';
      const { membership: acting } = await this.access.require(workspaceId, actingUserId, minimum, manager);
      const target = await this.lockedMember(manager, workspaceId, memberUserId);
      if (target.role === 'owner') {
        if (acting.role !== 'owner')
          throw domainError(WORKSPACE_ERRORS.roleRequired, {
            message: 'Only owners can remove an owner.',
            details: { required: 'owner', current: acting.role },
          });
        await this.ensureAnotherOwner(manager, workspaceId, memberUserId);
      }
      await manager.delete(MembershipEntity, { id: target.id });
      await this.audit.record(manager, {
        actor,
        action: 'membership.removed',
        workspaceId,
        target: { type: 'user', id: memberUserId },
        details: { role: target.role },
      });
    });
  }

  /**
   * Hands the workspace to another member: they become owner and the acting owner stays on as
   * admin, in one transaction under the workspace lock (so the workspace is never without an owner).
   */
  async transferOwnership(
    workspaceId: string,
    actingUserId: string,
    newOwnerId: string,
    actor: AuditActor,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, actingUserId, 'owner', manager);
      if (newOwnerId === actingUserId) throw domainError(WORKSPACE_ERRORS.alreadyOwner);
      const target = await this.lockedMember(manager, workspaceId, newOwnerId);
      const acting = await this.lockedMember(manager, workspaceId, actingUserId);
      if (acting.role !== 'owner') throw domainError(WORKSPACE_ERRORS.roleRequired);
      const before = target.role;
      target.role = 'owner';
      acting.role = 'admin';
      await manager.save([target, acting]);
      await this.audit.record(manager, {
        actor,
        action: 'workspace.ownership_transferred',
        workspaceId,
        target: { type: 'user', id: newOwnerId },
        details: { from: actingUserId, to: newOwnerId, newOwnerRoleBefore: before, previousOwnerRoleAfter: 'admin' },
      });
    });
  }

  private async lockedMember(manager: EntityManager, workspaceId: string, userId: string): Promise<MembershipEntity> {
    // Lock the workspace row so two concurrent demotions cannot both leave it without an owner.
    await lockWorkspace(manager, workspaceId);
    const member = await manager.findOneBy(MembershipEntity, { workspaceId, userId });
    if (!member) throw domainError(WORKSPACE_ERRORS.memberNotFound);
    return member;
  }

  private async ensureAnotherOwner(manager: EntityManager, workspaceId: string, leavingUserId: string): Promise<void> {
    const owners = await manager.findBy(MembershipEntity, { workspaceId, role: 'owner' });
    if (!owners.some((owner) => owner.userId !== leavingUserId)) {
      throw domainError(WORKSPACE_ERRORS.lastOwner);
    }
  }
}
