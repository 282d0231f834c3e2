import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { ExportRequestEntity } from '@enclave/persistence';
import type { ExportJob } from '@enclave/node-protocol';
import { NodeCallError, NODE_GATEWAY, type NodeGateway, type NodeTarget } from '@enclave/node-delivery';
import { DataSource, type EntityManager } from 'typeorm';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { DATA_LIFECYCLE_ERRORS } from './data-lifecycle.errors';
import { WorkspaceNodeService } from './workspace-node.service';
import type { ExportJobDto, ExportRecordDto } from './dto/exports.dto';

/**
 * Conversation exports, built as background jobs on the node: a request starts the node's job
 * (or joins the one it is already building) and is recorded once per job; the requester polls
 * it until the node answers ready with its signed, expiring link. The control plane keeps that
 * an export was requested (who, when, until when, counts) — never its link or content.
 */
@Injectable()
export class ExportRequestsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly nodes: WorkspaceNodeService,
    @Inject(NODE_GATEWAY) private readonly gateway: NodeGateway,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async request(
    workspaceId: string,
    userId: string,
    ttlSeconds: number | undefined,
    actor: AuditActor,
  ): Promise<ExportJobDto> {
    await this.access.require(workspaceId, userId, 'member');
    const target = await this.nodes.target(workspaceId);
    const ttl = ttlSeconds ?? this.config.EXPORT_LINK_TTL_SECONDS;
    const job = await this.gateway.requestExport(target, ttl).catch((error: unknown) => this.nodes.unavailable(error));
    const record = await this.dataSource.transaction(async (manager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(ExportRequestEntity)
        .values({ workspaceId, requestedBy: userId, nodeExportId: job.exportId, state: 'preparing' })
        .orIgnore()
        .returning('id')
        .execute();
      const record = await manager.findOneByOrFail(ExportRequestEntity, { workspaceId, nodeExportId: job.exportId });
      // Every request is audited; one that joined the export already preparing says so.
      await this.audit.record(manager, {
        actor,
        action: 'export.requested',
        workspaceId,
        target: { type: 'export', id: record.id },
        details: { nodeId: target.nodeId, ttlSeconds: ttl, joined: (inserted.raw as unknown[]).length === 0 },
      });
      return record;
    });
    return this.settle(record, job, target, actor);
  }

  /**
   * An export as the node has it now, for any member (a member may request one anyway, and a
   * second request joins the first); the link only while it is ready and unexpired.
   */
  async status(workspaceId: string, userId: string, exportId: string, actor: AuditActor): Promise<ExportJobDto> {
    await this.access.require(workspaceId, userId, 'member');
    const record = await this.dataSource.manager.findOneBy(ExportRequestEntity, { id: exportId, workspaceId });
    if (!record) throw domainError(DATA_LIFECYCLE_ERRORS.exportNotFound);
    if (record.state === 'failed' || isExpired(record)) return describe(record);
    const target = await this.nodes.target(workspaceId);
    const job = await this.gateway
      .exportStatus(target, record.nodeExportId)
      .catch((error: unknown) => (forgotten(error) ? null : this.nodes.unavailable(error)));
    return this.settle(record, job, target, actor);
  }

  async list(workspaceId: string, userId: string): Promise<ExportRecordDto[]> {
    await this.access.require(workspaceId, userId, 'member');
    const rows = await this.dataSource
      .getRepository(ExportRequestEntity)
      .find({ where: { workspaceId }, order: { createdAt: 'DESC' }, take: 100 });
    return rows.map((r) => ({
      id: r.id,
      requestedBy: r.requestedBy,
      state: stateOf(r),
      expiresAt: r.expiresAt?.toISOString() ?? null,
      conversations: r.conversations,
      messages: r.messages,
      bytes: r.bytes === null ? null : Number(r.bytes),
      createdAt: r.createdAt.toISOString(),
    }));
  }

  /**
   * Records what the node's job became (once: the first poll that sees it ready or failed does,
   * with its audit event) and answers it. `job` null: the node forgot a job still preparing
   * here (reinstalled, wiped): it failed.
   */
  private async settle(
    record: ExportRequestEntity,
    job: ExportJob | null,
    target: NodeTarget,
    actor: AuditActor,
  ): Promise<ExportJobDto> {
    if (job?.state === 'building') return describe(record);
    if (record.state === 'preparing') {
      const settled = await this.dataSource.transaction((manager) =>
        this.complete(manager, record, job, target, actor),
      );
      record = settled;
    }
    return describe(record, job?.state === 'ready' && record.state === 'ready' ? job : undefined);
  }

  private async complete(
    manager: EntityManager,
    record: ExportRequestEntity,
    job: ExportJob | null,
    target: NodeTarget,
    actor: AuditActor,
  ): Promise<ExportRequestEntity> {
    const ready = job?.state === 'ready' ? job : undefined;
    const changes: Partial<ExportRequestEntity> = ready
      ? {
          state: 'ready',
          expiresAt: new Date(ready.expiresAt),
          conversations: ready.conversations,
          messages: ready.messages,
          bytes: String(ready.bytes),
        }
      : { state: 'failed' };
    const updated = await manager.update(ExportRequestEntity, { id: record.id, state: 'preparing' }, changes);
    if (updated.affected === 1)
      await this.audit.record(manager, {
        actor,
        action: ready ? 'export.ready' : 'export.failed',
        workspaceId: record.workspaceId,
        target: { type: 'export', id: record.id },
        details: ready
          ? {
              nodeId: target.nodeId,
              expiresAt: ready.expiresAt,
              conversations: ready.conversations,
              messages: ready.messages,
              bytes: ready.bytes,
            }
          : { nodeId: target.nodeId, code: job?.state === 'failed' ? job.code : 'export_forgotten' },
      });
    return manager.findOneByOrFail(ExportRequestEntity, { id: record.id });
  }
}

function isExpired(record: ExportRequestEntity, now = Date.now()): boolean {
  return record.state === 'ready' && (record.expiresAt?.getTime() ?? 0) <= now;
}

function stateOf(record: ExportRequestEntity): ExportJobDto['state'] {
  return isExpired(record) ? 'expired' : record.state;
}

/** The node no longer has the job (404): its link expired and it was swept, or the node was replaced. */
function forgotten(error: unknown): boolean {
  return error instanceof NodeCallError && error.code === 'not_found';
}

function describe(record: ExportRequestEntity, ready?: Extract<ExportJob, { state: 'ready' }>): ExportJobDto {
  return {
    id: record.id,
    state: ready ? 'ready' : stateOf(record) === 'ready' ? 'expired' : stateOf(record),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    conversations: record.conversations,
    messages: record.messages,
    bytes: record.bytes === null ? null : Number(record.bytes),
    url: ready?.url ?? null,
    sha256: ready?.sha256 ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}
