import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import { WorkspaceNodeSettingsEntity } from '@enclave/persistence';
import {
  type DeliveryState,
  lockNodeSettings,
  NODE_GATEWAY,
  type NodeGateway,
  NodeSyncService,
} from '@enclave/node-delivery';
import { DataSource } from 'typeorm';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { DATA_LIFECYCLE_ERRORS } from './data-lifecycle.errors';
import type { EraseResultDto } from './dto/exports.dto';
import { WorkspaceNodeService } from './workspace-node.service';

/** Erase and retention: asked of the node over the signed protocol (exports: ExportRequestsService). */
@Injectable()
export class DataLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly sync: NodeSyncService,
    private readonly nodes: WorkspaceNodeService,
    @Inject(NODE_GATEWAY) private readonly gateway: NodeGateway,
  ) {}

  async eraseConversation(
    workspaceId: string,
    userId: string,
    conversationId: string,
    actor: AuditActor,
  ): Promise<EraseResultDto> {
    await this.access.require(workspaceId, userId, 'owner');
    const target = await this.nodes.target(workspaceId);
    const result = await this.gateway
      .eraseConversation(target, conversationId)
      .catch((error: unknown) => this.nodes.unavailable(error));
    await this.audit.recordAlone({
      actor,
      action: 'conversation.erased',
      workspaceId,
      target: { type: 'conversation', id: conversationId },
      details: { nodeId: target.nodeId, erased: result.erased, messages: result.messages },
    });
    if (!result.erased) throw domainError(DATA_LIFECYCLE_ERRORS.conversationNotFound);
    return result;
  }

  async retention(workspaceId: string, userId: string): Promise<{ days: number | null; appliedAt: string | null }> {
    await this.access.require(workspaceId, userId, 'member');
    const settings = await this.dataSource.manager.findOneBy(WorkspaceNodeSettingsEntity, { workspaceId });
    return { days: settings?.retentionDays ?? null, appliedAt: settings?.retentionAppliedAt?.toISOString() ?? null };
  }

  async setRetention(
    workspaceId: string,
    userId: string,
    days: number,
    actor: AuditActor,
  ): Promise<{ days: number; delivery: DeliveryState }> {
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const settings = await lockNodeSettings(manager, workspaceId);
      const before = settings.retentionDays;
      settings.retentionDays = days;
      settings.retentionAppliedAt = null;
      await manager.save(settings);
      await this.audit.record(manager, {
        actor,
        action: 'retention.set',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: { before, after: days },
      });
    });
    return { days, delivery: await this.sync.afterChange(workspaceId) };
  }
}
