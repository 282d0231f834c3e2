import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import {
  lockWorkspace,
  NodeEntity,
  type ProvisioningAction,
  type ProvisioningRunEntity,
  WorkspaceEntity,
} from '@enclave/persistence';
import { DataSource, In } from 'typeorm';

/** The workspace status changes that end a run, each with its audit event in the same transaction. */
@Injectable()
export class WorkspaceStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  find(workspaceId: string): Promise<WorkspaceEntity | null> {
    return this.dataSource.getRepository(WorkspaceEntity).findOneBy({ id: workspaceId });
  }

  /**
   * Provisioning finished: the node leaves its install phase (heartbeats set its health from
   * then on) and a workspace still waiting for it becomes active. True when it did.
   */
  activate(workspaceId: string, nodeId: string, details: Record<string, unknown>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const workspace = await lockWorkspace(manager, workspaceId, { includeDeleted: true });
      if (!workspace) throw new Error(`workspace ${workspaceId} disappeared during provisioning`);
      await manager.update(NodeEntity, { id: nodeId, status: In(['installing', 'enrolled']) }, { status: 'healthy' });
      const activate = workspace.status === 'provisioning' || workspace.status === 'provisioning_failed';
      if (activate) await manager.update(WorkspaceEntity, { id: workspace.id }, { status: 'active' });
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: 'provisioning.succeeded',
        workspaceId,
        target: { type: 'node', id: nodeId },
        details: { ...details, workspaceStatus: activate ? 'active' : workspace.status },
      });
      return activate;
    });
  }

  /**
   * A run's last attempt failed: audited for staff (`staffActionNeeded`); a workspace being
   * provisioned becomes `provisioning_failed`. Returns the workspace when its status changed.
   */
  markFailed(
    workspaceId: string,
    action: ProvisioningAction,
    run: ProvisioningRunEntity | null,
    error: Error,
  ): Promise<WorkspaceEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      const workspace = await lockWorkspace(manager, workspaceId, { includeDeleted: true });
      if (!workspace) return null;
      const change = action === 'provision' && workspace.status === 'provisioning';
      if (change) {
        workspace.status = 'provisioning_failed';
        await manager.update(WorkspaceEntity, { id: workspaceId }, { status: workspace.status });
      }
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: action === 'provision' ? 'provisioning.failed' : 'deprovisioning.failed',
        workspaceId,
        target: run ? { type: 'provisioning_run', id: run.id } : null,
        outcome: 'failure',
        details: { error: error.message.slice(0, 500), attempts: run?.attempts ?? null, staffActionNeeded: true },
      });
      return change ? workspace : null;
    });
  }

  /** Deprovisioning finished: the workspace is `deprovisioned`. */
  async markDeprovisioned(
    workspaceId: string,
    run: ProvisioningRunEntity,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.update(WorkspaceEntity, { id: workspaceId, status: 'deprovisioning' }, { status: 'deprovisioned' });
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: 'deprovisioning.succeeded',
        workspaceId,
        target: { type: 'provisioning_run', id: run.id },
        details,
      });
    });
  }
}
