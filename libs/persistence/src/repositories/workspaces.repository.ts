import { type EntityManager, IsNull } from 'typeorm';
import { MembershipEntity } from '../entities/membership.entity';
import { UserEntity } from '../entities/user.entity';
import { WorkspaceEntity } from '../entities/workspace.entity';

/**
 * Locks a workspace row (`SELECT … FOR UPDATE`) for the rest of the transaction and returns it,
 * or null when there is no such row. Soft-deleted workspaces count as missing unless
 * `includeDeleted`: billing and provisioning still finish their work on a deleted workspace.
 *
 * Lock order: a transaction that also locks the billing account takes it first; the audit
 * chain's lock always comes last (at commit).
 */
export function lockWorkspace(
  manager: EntityManager,
  workspaceId: string,
  options: { includeDeleted?: boolean } = {},
): Promise<WorkspaceEntity | null> {
  return manager
    .createQueryBuilder(WorkspaceEntity, 'w')
    .setLock('pessimistic_write')
    .where(options.includeDeleted ? { id: workspaceId } : { id: workspaceId, deletedAt: IsNull() })
    .getOne();
}

/** The users who own a workspace (whom customer notices are mailed to). */
export function workspaceOwners(manager: EntityManager, workspaceId: string): Promise<UserEntity[]> {
  return manager
    .createQueryBuilder(UserEntity, 'u')
    .innerJoin(MembershipEntity, 'm', 'm.user_id = u.id AND m.workspace_id = :workspaceId AND m.role = :role', {
      workspaceId,
      role: 'owner',
    })
    .getMany();
}

/** Every member of a workspace, whatever the role (whom team notices, such as a handoff, are mailed to). */
export function workspaceMembers(manager: EntityManager, workspaceId: string): Promise<UserEntity[]> {
  return manager
    .createQueryBuilder(UserEntity, 'u')
    .innerJoin(MembershipEntity, 'm', 'm.user_id = u.id AND m.workspace_id = :workspaceId', { workspaceId })
    .orderBy('u.id')
    .getMany();
}
