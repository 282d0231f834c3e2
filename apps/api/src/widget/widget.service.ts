import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { bumpConfigRevision, type DeliveryState, NodeSyncService } from '@enclave/node-delivery';
import { domainError } from '@enclave/platform';
import { AgentEntity, NodeEntity, SecretRecordEntity, WidgetEntity } from '@enclave/persistence';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { SecretsService } from '../secrets/secrets.service';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import type { PutWidgetDto, WidgetDto } from './dto/widget.dto';
import { WIDGET_ERRORS } from './widget.errors';

/**
 * The website chat widget's settings: configuration metadata kept here and sent to the node as
 * its `web` channel. Conversations stay on the node. The identity-verification secret is
 * generated here, shown once, delivered like every secret; only its mask and fingerprint stay.
 */
@Injectable()
export class WidgetService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
    private readonly sync: NodeSyncService,
  ) {}

  async get(workspaceId: string, userId: string): Promise<WidgetDto> {
    await this.access.require(workspaceId, userId, 'member');
    const widget = await this.dataSource.manager.findOneBy(WidgetEntity, { workspaceId });
    if (!widget) throw domainError(WIDGET_ERRORS.notFound);
    return this.toDto(this.dataSource.manager, widget);
  }

  async put(
    workspaceId: string,
    userId: string,
    input: PutWidgetDto,
    actor: AuditActor,
  ): Promise<{ widget: WidgetDto; delivery: DeliveryState }> {
    const widget = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      if (!(await manager.existsBy(AgentEntity, { id: input.agentId, workspaceId })))
        throw domainError(WIDGET_ERRORS.unknownAgent, { details: { field: 'agentId' } });
      const existing = await manager.findOneBy(WidgetEntity, { workspaceId });
      const saved = await manager.save(
        WidgetEntity,
        Object.assign(existing ?? manager.create(WidgetEntity, { workspaceId }), {
          agentId: input.agentId,
          enabled: input.enabled,
          settings: input.settings,
        }),
      );
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: existing ? 'widget.updated' : 'widget.created',
        workspaceId,
        target: { type: 'widget', id: saved.id },
        details: {
          agentId: input.agentId,
          enabled: input.enabled,
          allowedOrigins: input.settings.allowedOrigins,
          identityVerification: input.settings.identityVerification,
          consent: input.settings.consent,
          revision,
        },
      });
      return saved;
    });
    return {
      widget: await this.toDto(this.dataSource.manager, widget),
      delivery: await this.sync.afterChange(workspaceId),
    };
  }

  /** A new identity-verification secret (replacing any): returned once, then only its mask. */
  async rotateSecret(
    workspaceId: string,
    userId: string,
    actor: AuditActor,
  ): Promise<{ secret: string; widget: WidgetDto; delivery: DeliveryState }> {
    const secret = randomBytes(32).toString('base64url');
    const widget = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const found = await manager.findOneBy(WidgetEntity, { workspaceId });
      if (!found) throw domainError(WIDGET_ERRORS.notFound);
      await this.secrets.store(
        manager,
        { workspaceId, kind: 'widget_identity_secret', scope: found.id, value: secret },
        actor,
      );
      return found;
    });
    return {
      secret,
      widget: await this.toDto(this.dataSource.manager, widget),
      delivery: await this.sync.afterChange(workspaceId),
    };
  }

  private async toDto(manager: EntityManager, widget: WidgetEntity): Promise<WidgetDto> {
    const record = await manager.findOneBy(SecretRecordEntity, {
      workspaceId: widget.workspaceId,
      kind: 'widget_identity_secret',
      scope: widget.id,
    });
    const node = await manager.findOne(NodeEntity, {
      where: { workspaceId: widget.workspaceId },
      order: { createdAt: 'DESC' },
    });
    return {
      id: widget.id,
      agentId: widget.agentId,
      enabled: widget.enabled,
      settings: widget.settings,
      identitySecret: record ? { mask: record.mask, status: record.status } : null,
      snippet: node?.publicBaseUrl ? `<script async src="${node.publicBaseUrl}/widget.js"></script>` : null,
      updatedAt: widget.updatedAt.toISOString(),
    };
  }
}
