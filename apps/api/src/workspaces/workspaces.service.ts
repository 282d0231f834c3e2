import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import {
  lockWorkspace,
  MembershipEntity,
  type MembershipRole,
  UserEntity,
  WorkspaceEntity,
  type WorkspaceStatus,
} from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { DataSource } from 'typeorm';
import type { CreateWorkspaceDto, WorkspaceDto } from './dto/workspace.dto';
import { BillingService } from '../billing/billing.service';
import { slugProblem } from './slug';
import { WorkspaceAccessService } from './workspace-access.service';
import { WORKSPACE_ERRORS } from './workspaces.errors';

const UNIQUE_VIOLATION = '23505';

/** Statuses in which a workspace has, or is getting, an agent node that deletion must tear down. */
const HAS_NODE: ReadonlySet<WorkspaceStatus> = new Set([
  'provisioning',
  'active',
  'provisioning_failed',
  'past_due',
  'suspended',
  'canceled',
]);

function toDto(workspace: WorkspaceEntity, role: MembershipRole): WorkspaceDto {
  return {
    id: workspace.id,
    name: workspace.name,
    slug: workspace.slug,
    status: workspace.status,
    role,
    createdAt: workspace.createdAt.toISOString(),
  };
}

@Injectable()
export class WorkspacesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly billing: BillingService,
    private readonly queues: QueueService,
  ) {}

  async slugAvailability(slug: string): Promise<{ slug: string; available: boolean; reason: string | null }> {
    const problem = slugProblem(slug);
    if (problem) return { slug, available: false, reason: `Slug ${problem}.` };
    const taken = await this.dataSource.getRepository(WorkspaceEntity).existsBy({ slug });
    return { slug, available: !taken, reason: taken ? 'Slug is already taken.' : null };
  }

  async create(user: UserEntity, input: CreateWorkspaceDto, actor: AuditActor): Promise<WorkspaceDto> {
    const problem = slugProblem(input.slug);
    if (problem)
      throw domainError(WORKSPACE_ERRORS.slugInvalid, { message: `Slug ${problem}.`, details: { field: 'slug' } });
    try {
      return await this.dataSource.transaction(async (manager) => {
        const workspace = await manager.save(
          WorkspaceEntity,
          manager.create(WorkspaceEntity, {
            name: input.name,
            slug: input.slug,
            status: 'pending_payment',
            deletedAt: null,
          }),
        );
        await manager.save(MembershipEntity, { workspaceId: workspace.id, userId: user.id, role: 'owner' });
        await this.audit.record(manager, {
          actor,
          action: 'workspace.created',
          workspaceId: workspace.id,
          target: { type: 'workspace', id: workspace.id },
          details: { slug: workspace.slug },
        });
        return toDto(workspace, 'owner');
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION)
        throw domainError(WORKSPACE_ERRORS.slugTaken, { details: { field: 'slug' } });
      throw error;
    }
  }

  async listMine(userId: string): Promise<WorkspaceDto[]> {
    const rows = await this.dataSource
      .getRepository(WorkspaceEntity)
      .createQueryBuilder('w')
      .innerJoin(MembershipEntity, 'm', 'm.workspace_id = w.id AND m.user_id = :userId', { userId })
      .addSelect('m.role', 'role')
      .where('w.deleted_at IS NULL')
      .orderBy('w.created_at', 'ASC')
      .getRawAndEntities();
    return rows.entities.map((workspace, index) =>
      toDto(workspace, (rows.raw[index] as { role: MembershipRole }).role),
    );
  }

  async get(workspaceId: string, userId: string): Promise<WorkspaceDto> {
    const { workspace, membership } = await this.access.require(workspaceId, userId, 'member');
    return toDto(workspace, membership.role);
  }

  async rename(workspaceId: string, userId: string, name: string, actor: AuditActor): Promise<WorkspaceDto> {
    return this.dataSource.transaction(async (manager) => {
      const { workspace, membership } = await this.access.require(workspaceId, userId, 'admin', manager);
      const previous = workspace.name;
      workspace.name = name;
      await manager.save(workspace);
      await this.audit.record(manager, {
        actor,
        action: 'workspace.renamed',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: { before: previous, after: name },
      });
      return toDto(workspace, membership.role);
    });
  }

  /**
   * Soft delete: the row stays for the audit trail and the slug stays reserved. Billing stops
   * first (a Stripe outage refuses the deletion rather than keep charging a deleted workspace),
   * then a workspace that has or is getting a node is deprovisioned: wiped, DNS removed, host freed.
   */
  async delete(workspaceId: string, userId: string, actor: AuditActor): Promise<void> {
    await this.access.require(workspaceId, userId, 'owner');
    await this.billing.cancelForDeletion(workspaceId, actor);
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'owner', manager);
      // Read again under the lock: a concurrent deletion or billing change is seen, not overwritten.
      const workspace = await lockWorkspace(manager, workspaceId);
      if (!workspace) throw domainError(WORKSPACE_ERRORS.notFound);
      const before = workspace.status;
      const hasNode = HAS_NODE.has(before);
      workspace.deletedAt = new Date();
      if (hasNode) workspace.status = 'deprovisioning';
      await manager.save(workspace);
      await this.audit.record(manager, {
        actor,
        action: 'workspace.deleted',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: { statusBefore: before, deprovisioning: hasNode },
      });
      // requeue: a workspace deprovisioned once before (then subscribed again) left a finished job under this id.
      if (hasNode)
        await this.queues.requeue(
          manager,
          JobName.DeprovisionWorkspace,
          { workspaceId },
          { jobId: JOB_IDS.deprovisionWorkspace(workspaceId) },
        );
    });
  }
}
