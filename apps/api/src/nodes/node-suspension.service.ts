import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import { WorkspaceEntity } from '@enclave/persistence';
import { type DeliveryState, desiredSuspension, lockNodeSettings, NodeSyncService } from '@enclave/node-delivery';
import { DataSource } from 'typeorm';
import { WORKSPACE_ERRORS } from '../workspaces/workspaces.errors';

/**
 * Staff suspend or resume a workspace's node. The wish is recorded first, then forwarded; a
 * node that cannot be reached gets it through the DeliverToNode job (heartbeats re-check it).
 * Billing's `suspended` workspace status is followed the same way (`desiredSuspension`).
 */
@Injectable()
export class NodeSuspensionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sync: NodeSyncService,
  ) {}

  /** `suspended` in the answer is the node's wanted state: a staff resume does not lift a billing suspension. */
  async set(
    workspaceId: string,
    suspended: boolean,
    actor: AuditActor,
  ): Promise<{ suspended: boolean; delivery: DeliveryState }> {
    const effective = await this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(WorkspaceEntity, { id: workspaceId }))) throw domainError(WORKSPACE_ERRORS.notFound);
      const settings = await lockNodeSettings(manager, workspaceId);
      settings.suspended = suspended;
      await manager.save(settings);
      await this.audit.record(manager, {
        actor,
        action: suspended ? 'node.suspend_requested' : 'node.resume_requested',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
      });
      return desiredSuspension(manager, workspaceId, settings);
    });
    return { suspended: effective, delivery: await this.sync.afterChange(workspaceId) };
  }
}
