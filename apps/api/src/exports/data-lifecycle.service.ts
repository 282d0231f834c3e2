import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { ExportRequestEntity, WorkspaceNodeSettingsEntity } from '@enclave/persistence';
import {
  callableNode,
  type DeliveryState,
  lockNodeSettings,
  NodeCallError,
  NODE_GATEWAY,
  type NodeGateway,
  NodeSyncService,
  type NodeTarget,
  targetOf,
} from '@enclave/node-delivery';
import { DataSource } from 'typeorm';
import { NODE_ERRORS } from '../nodes/nodes.errors';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { DATA_LIFECYCLE_ERRORS } from './data-lifecycle.errors';
import type { EraseResultDto, ExportRecordDto, ExportResultDto } from './dto/exports.dto';

/**
 * Export, erase and retention: asked of the node over the signed protocol. The control plane
 * keeps that an export was requested (who, until when, counts) — never its link or content.
 */
@Injectable()
export class DataLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly sync: NodeSyncService,
    @Inject(NODE_GATEWAY) private readonly gateway: NodeGateway,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  private async node(workspaceId: string): Promise<NodeTarget> {
    const node = await callableNode(this.dataSource.manager, workspaceId);
    if (!node)
      throw domainError(NODE_ERRORS.unavailable, {
        message: 'The workspace node is not running yet; try again once it is healthy.',
      });
    return targetOf(this.dataSource.manager, node);
  }

  private unavailable(error: unknown): never {
    if (error instanceof NodeCallError)
      throw domainError(NODE_ERRORS.unavailable, {
        message: 'The workspace node did not answer; nothing was changed. Try again later.',
        details: { code: error.code },
      });
    throw error;
  }

  async requestExport(
    workspaceId: string,
    userId: string,
    ttlSeconds: number | undefined,
    actor: AuditActor,
  ): Promise<ExportResultDto> {
    await this.access.require(workspaceId, userId, 'member');
    const target = await this.node(workspaceId);
    const answer = await this.gateway
      .requestExport(target, ttlSeconds ?? this.config.EXPORT_LINK_TTL_SECONDS)
      .catch((error: unknown) => this.unavailable(error));
    const record = await this.dataSource.transaction(async (manager) => {
      const saved = await manager.save(
        ExportRequestEntity,
        manager.create(ExportRequestEntity, {
          workspaceId,
          requestedBy: userId,
          nodeExportId: answer.exportId,
          expiresAt: new Date(answer.expiresAt),
          conversations: answer.conversations,
          messages: answer.messages,
          bytes: String(answer.bytes),
        }),
      );
      await this.audit.record(manager, {
        actor,
        action: 'export.requested',
        workspaceId,
        target: { type: 'export', id: saved.id },
        details: {
          nodeId: target.nodeId,
          expiresAt: answer.expiresAt,
          conversations: answer.conversations,
          messages: answer.messages,
          bytes: answer.bytes,
        },
      });
      return saved;
    });
    return {
      id: record.id,
      url: answer.url,
      expiresAt: record.expiresAt.toISOString(),
      conversations: answer.conversations,
      messages: answer.messages,
      bytes: answer.bytes,
      sha256: answer.sha256,
    };
  }

  async listExports(workspaceId: string, userId: string): Promise<ExportRecordDto[]> {
    await this.access.require(workspaceId, userId, 'member');
    const rows = await this.dataSource
      .getRepository(ExportRequestEntity)
      .find({ where: { workspaceId }, order: { createdAt: 'DESC' }, take: 100 });
    return rows.map((r) => ({
      id: r.id,
      requestedBy: r.requestedBy,
      expiresAt: r.expiresAt.toISOString(),
      conversations: r.conversations,
      messages: r.messages,
      bytes: Number(r.bytes),
      createdAt: r.createdAt.toISOString(),
    }));
  }

  async eraseConversation(
    workspaceId: string,
    userId: string,
    conversationId: string,
    actor: AuditActor,
  ): Promise<EraseResultDto> {
    await this.access.require(workspaceId, userId, 'owner');
    const target = await this.node(workspaceId);
    const result = await this.gateway
      .eraseConversation(target, conversationId)
      .catch((error: unknown) => this.unavailable(error));
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
