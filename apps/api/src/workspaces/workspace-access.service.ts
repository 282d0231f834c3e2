import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { domainError } from '@enclave/platform';
import { MembershipEntity, type MembershipRole, WorkspaceEntity } from '@enclave/persistence';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { WORKSPACE_ERRORS } from './workspaces.errors';

const RANK: Record<MembershipRole, number> = { member: 1, admin: 2, owner: 3 };

export interface WorkspaceAccess {
  workspace: WorkspaceEntity;
  membership: MembershipEntity;
}

/**
 * The one place that decides who may touch a workspace. Non-members get 404 (a workspace
 * they cannot see does not exist for them); members without the role get 403.
 */
@Injectable()
export class WorkspaceAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async require(
    workspaceId: string,
    userId: string,
    minimumRole: MembershipRole,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<WorkspaceAccess> {
    const membership = await manager.findOneBy(MembershipEntity, { workspaceId, userId });
    const workspace = membership
      ? await manager.findOneBy(WorkspaceEntity, { id: workspaceId, deletedAt: IsNull() })
      : null;
    if (!membership || !workspace) throw domainError(WORKSPACE_ERRORS.notFound);
    if (RANK[membership.role] < RANK[minimumRole]) {
      throw domainError(WORKSPACE_ERRORS.roleRequired, {
        message: `This needs the ${minimumRole} role in the workspace.`,
        details: { required: minimumRole, current: membership.role },
      });
    }
    return { workspace, membership };
  }
}
