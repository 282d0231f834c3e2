import { type AuditActor, type AuditService } from '@enclave/audit';
import type { ApplyConfigRequest, ChannelConfig, SecretKind, WebhookEventType } from '@enclave/node-protocol';
import {
  AgentEntity,
  ChannelEntity,
  HostEntity,
  NodeEntity,
  PendingSecretDeliveryEntity,
  SecretRecordEntity,
  TranscriptSettingsEntity,
  WebhookEndpointEntity,
  WorkspaceEntity,
  WidgetEntity,
  WorkspaceNodeSettingsEntity,
} from '@enclave/persistence';
import type { ControlPlaneConfig } from '@enclave/platform';
import { Logger } from '@nestjs/common';
import { type DataSource, type EntityManager, LessThanOrEqual } from 'typeorm';
import { apiKeyChannels } from './api-key-channels';
import type { NodeGateway } from './http-node-client';
import { NodeCallError } from './node-call-error';
import type { NodeTarget } from './node-transport';
import type { SecretVault } from './secret-vault';

export const DELIVERY_ACTOR: AuditActor = { type: 'system', id: 'node-delivery' };

/** The dashboard's origin, sent with every config: the only origin a node's CORS answers for node sessions. */
export function dashboardOrigin(config: Pick<ControlPlaneConfig, 'PUBLIC_URL'>): string {
  return new URL(config.PUBLIC_URL).origin;
}

/** The workspace's website widget as the node's `web` channel (none without an answering agent). */
async function widgetChannels(manager: EntityManager, workspaceId: string): Promise<ChannelConfig[]> {
  const widget = await manager.findOneBy(WidgetEntity, { workspaceId });
  if (!widget?.agentId) return [];
  return [{ id: widget.id, type: 'web', agentId: widget.agentId, enabled: widget.enabled, widget: widget.settings }];
}

/** Node statuses in which the node has enrolled and can be called. */
export const CALLABLE_NODE_STATUSES = ['enrolled', 'healthy', 'degraded'] as const;

export interface DeliveryResult {
  /** Everything the node should hold is there: no pending secret, config/retention/suspension applied. */
  complete: boolean;
  reason?: string;
  secretsDelivered: number;
  configRevision: number | null;
}

/** Ensures the settings row exists and returns it locked for the rest of the transaction. */
export async function lockNodeSettings(
  manager: EntityManager,
  workspaceId: string,
): Promise<WorkspaceNodeSettingsEntity> {
  await manager.query(
    `INSERT INTO workspace_node_settings (workspace_id) VALUES ($1) ON CONFLICT (workspace_id) DO NOTHING`,
    [workspaceId],
  );
  return manager
    .getRepository(WorkspaceNodeSettingsEntity)
    .findOneOrFail({ where: { workspaceId }, lock: { mode: 'pessimistic_write' } });
}

/** Bumps the config revision in the caller's transaction (every agent/channel change). */
export async function bumpConfigRevision(manager: EntityManager, workspaceId: string): Promise<number> {
  const settings = await lockNodeSettings(manager, workspaceId);
  settings.configRevision += 1;
  await manager.save(settings);
  return settings.configRevision;
}

/** The node a workspace's calls go to, when it has enrolled and is not wiped. */
export async function callableNode(manager: EntityManager, workspaceId: string): Promise<NodeEntity | null> {
  return manager
    .getRepository(NodeEntity)
    .createQueryBuilder('n')
    .where('n.workspace_id = :workspaceId', { workspaceId })
    .andWhere('n.status IN (:...statuses)', { statuses: [...CALLABLE_NODE_STATUSES] })
    .andWhere('n.public_key IS NOT NULL AND n.public_base_url IS NOT NULL')
    .orderBy('n.created_at', 'DESC')
    .getOne();
}

/**
 * Whether the node should be suspended: staff asked for it (`workspace_node_settings.suspended`)
 * or billing suspended the workspace (`workspaces.status = 'suspended'`, docs/billing.md).
 */
export async function desiredSuspension(
  manager: EntityManager,
  workspaceId: string,
  settings?: WorkspaceNodeSettingsEntity | null,
): Promise<boolean> {
  const workspace = await manager.findOneBy(WorkspaceEntity, { id: workspaceId });
  return (settings?.suspended ?? false) || workspace?.status === 'suspended';
}

/** How to reach a node: at its host's origin when we provisioned the host, else at its public URL. */
export async function targetOf(manager: EntityManager, node: NodeEntity): Promise<NodeTarget> {
  const host = node.hostId ? await manager.findOneBy(HostEntity, { id: node.hostId }) : null;
  return {
    nodeId: node.id,
    baseUrl: node.publicBaseUrl as string,
    ...(host ? { origin: { address: host.address, port: host.publicPort } } : {}),
  };
}

/** Webhook endpoints and transcript mail settings, as the node applies them (their secrets travel as secrets). */
async function outboundConfig(
  manager: EntityManager,
  workspaceId: string,
): Promise<Pick<ApplyConfigRequest, 'webhooks' | 'transcripts'>> {
  const endpoints = await manager.find(WebhookEndpointEntity, { where: { workspaceId }, order: { createdAt: 'ASC' } });
  const transcripts = await manager.findOneBy(TranscriptSettingsEntity, { workspaceId });
  return {
    webhooks: endpoints.map((e) => ({
      id: e.id,
      url: e.url,
      events: e.events as WebhookEventType[],
      enabled: e.enabled,
      updatedAt: e.updatedAt.toISOString(),
    })),
    transcripts: transcripts && {
      enabled: transcripts.enabled,
      provider: transcripts.provider,
      from: transcripts.fromAddress,
      recipients: transcripts.recipients,
      idleMinutes: transcripts.idleMinutes,
    },
  };
}

/**
 * Brings a workspace's node up to date: secrets waiting encrypted (decrypted only here, in
 * memory, for the signed PUT; the row is deleted once the node confirmed), the agents and
 * channels config, the retention window and the suspension state. Idempotent: the API runs it
 * right after a change, the worker's DeliverToNode job when the node was not ready.
 */
export class NodeDelivery {
  private readonly logger = new Logger(NodeDelivery.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: NodeGateway,
    private readonly vault: SecretVault,
    private readonly audit: AuditService,
    /** `dashboardOrigin(config)`; the config leaves it out when undefined. */
    private readonly dashboardOrigin?: string,
  ) {}

  async buildConfig(manager: EntityManager, workspaceId: string, revision: number): Promise<ApplyConfigRequest> {
    const agents = await manager.find(AgentEntity, { where: { workspaceId }, order: { createdAt: 'ASC' } });
    const channels = await manager.find(ChannelEntity, { where: { workspaceId }, order: { createdAt: 'ASC' } });
    return {
      revision,
      agents: agents.map((a) => ({
        id: a.id,
        name: a.name,
        instructions: a.instructions,
        provider: a.provider,
        model: a.model,
        enabled: a.enabled,
      })),
      channels: [
        ...channels.map((c): ChannelConfig =>
          c.type === 'telegram'
            ? { id: c.id, type: 'telegram', agentId: c.agentId, enabled: c.enabled }
            : {
                id: c.id,
                type: 'whatsapp',
                agentId: c.agentId,
                enabled: c.enabled,
                phoneNumberId: c.whatsappPhoneNumberId as string,
                verifyToken: c.whatsappVerifyToken as string,
                ...(c.whatsappTemplateName && c.whatsappTemplateLanguage
                  ? { windowTemplate: { name: c.whatsappTemplateName, language: c.whatsappTemplateLanguage } }
                  : {}),
              },
        ),
        ...(await widgetChannels(manager, workspaceId)),
        ...(await apiKeyChannels(manager, workspaceId)),
      ],
      ...(this.dashboardOrigin ? { dashboardOrigin: this.dashboardOrigin } : {}),
      ...(await outboundConfig(manager, workspaceId)),
    };
  }

  async deliver(workspaceId: string): Promise<DeliveryResult> {
    const result: DeliveryResult = { complete: false, secretsDelivered: 0, configRevision: null };
    const node = await callableNode(this.dataSource.manager, workspaceId);
    if (!node) return { ...result, reason: 'node_not_ready' };
    const target = await targetOf(this.dataSource.manager, node);
    try {
      result.secretsDelivered = await this.deliverSecrets(workspaceId, target);
      result.configRevision = await this.deliverConfig(workspaceId, target);
      await this.deliverSettings(workspaceId, target, node);
    } catch (error) {
      if (error instanceof NodeCallError) {
        this.logger.warn(
          { workspaceId, nodeId: node.id, code: error.code, status: error.status },
          'node delivery incomplete',
        );
        return { ...result, reason: error.code };
      }
      throw error;
    }
    const left = await this.dataSource.getRepository(PendingSecretDeliveryEntity).countBy({ workspaceId });
    return { ...result, complete: left === 0, ...(left ? { reason: 'secrets_pending' } : {}) };
  }

  private async deliverSecrets(workspaceId: string, target: NodeTarget): Promise<number> {
    const pending = await this.dataSource
      .getRepository(PendingSecretDeliveryEntity)
      .find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
    let delivered = 0;
    for (const row of pending) {
      if (row.expiresAt.getTime() <= Date.now()) continue; // the sweep destroys it
      const record = await this.dataSource.getRepository(SecretRecordEntity).findOneBy({ id: row.secretRecordId });
      if (!record) continue;
      let value: string;
      try {
        value = this.vault.open(record.id, record.fingerprint, row.sealed);
      } catch {
        continue; // rotated while we read: the new row is picked up by the next delivery
      }
      await this.gateway.putSecret(target, record.kind as SecretKind, record.scope, value);
      await this.dataSource.transaction(async (manager) => {
        // Only this exact ciphertext: a rotation that replaced it meanwhile keeps its own row.
        const removed = await manager.delete(PendingSecretDeliveryEntity, {
          secretRecordId: row.secretRecordId,
          sealed: row.sealed,
        });
        if (!removed.affected) return;
        const deliveredAt = new Date();
        await manager.update(
          SecretRecordEntity,
          { id: record.id, fingerprint: record.fingerprint },
          { status: 'delivered', deliveredAt },
        );
        await this.audit.record(manager, {
          actor: DELIVERY_ACTOR,
          action: 'secret.delivered',
          workspaceId,
          target: { type: 'secret', id: record.id },
          details: { kind: record.kind, scope: record.scope, mask: record.mask, nodeId: target.nodeId },
        });
      });
      delivered += 1;
    }
    return delivered;
  }

  private async deliverConfig(workspaceId: string, target: NodeTarget): Promise<number | null> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const { config, applied } = await this.dataSource.transaction(async (manager) => {
        const settings = await lockNodeSettings(manager, workspaceId);
        return {
          config: await this.buildConfig(manager, workspaceId, settings.configRevision),
          applied: settings.appliedRevision,
        };
      });
      if (applied === config.revision) return applied;
      try {
        const answer = await this.gateway.applyConfig(target, config);
        await this.dataSource.transaction(async (manager) => {
          const settings = await lockNodeSettings(manager, workspaceId);
          if ((settings.appliedRevision ?? -1) < answer.revision) {
            settings.appliedRevision = answer.revision;
            settings.configAppliedAt = new Date();
            await manager.save(settings);
            await this.audit.record(manager, {
              actor: DELIVERY_ACTOR,
              action: 'node.config_applied',
              workspaceId,
              target: { type: 'node', id: target.nodeId },
              details: { revision: answer.revision, agents: config.agents.length, channels: config.channels.length },
            });
          }
        });
        return answer.revision;
      } catch (error) {
        if (!(error instanceof NodeCallError) || error.code !== 'stale_config') throw error;
        // The node holds a newer revision than ours (a restore, or a concurrent push): move past it.
        const nodeRevision = Number((error.details as { appliedRevision?: unknown } | undefined)?.appliedRevision ?? 0);
        await this.dataSource.transaction(async (manager) => {
          const settings = await lockNodeSettings(manager, workspaceId);
          settings.configRevision = Math.max(settings.configRevision, nodeRevision) + 1;
          await manager.save(settings);
        });
      }
    }
    throw new NodeCallError('stale_config', 'the node still held a newer config revision after two attempts');
  }

  private async deliverSettings(workspaceId: string, target: NodeTarget, node: NodeEntity): Promise<void> {
    const settings = await this.dataSource.getRepository(WorkspaceNodeSettingsEntity).findOneBy({ workspaceId });
    if (settings && settings.retentionDays !== null && settings.retentionAppliedAt === null) {
      await this.gateway.setRetention(target, settings.retentionDays);
      await this.dataSource
        .getRepository(WorkspaceNodeSettingsEntity)
        .update({ workspaceId, retentionDays: settings.retentionDays }, { retentionAppliedAt: new Date() });
    }
    const suspend = await desiredSuspension(this.dataSource.manager, workspaceId, settings);
    if (suspend !== (node.reportedState === 'suspended')) {
      if (suspend) await this.gateway.suspend(target);
      else await this.gateway.resume(target);
      await this.dataSource
        .getRepository(NodeEntity)
        .update({ id: node.id }, { reportedState: suspend ? 'suspended' : 'active' });
      await this.audit.recordAlone({
        actor: DELIVERY_ACTOR,
        action: suspend ? 'node.suspended' : 'node.resumed',
        workspaceId,
        target: { type: 'node', id: node.id },
      });
    }
  }

  /** Destroys pending secrets past their TTL; their records become `expired` (the customer enters them again). */
  async sweepExpired(now = new Date()): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const expired = await manager.find(PendingSecretDeliveryEntity, {
        where: { expiresAt: LessThanOrEqual(now) },
        lock: { mode: 'pessimistic_write' },
      });
      for (const row of expired) {
        await manager.delete(PendingSecretDeliveryEntity, { secretRecordId: row.secretRecordId });
        await manager.update(SecretRecordEntity, { id: row.secretRecordId }, { status: 'expired' });
        await this.audit.record(manager, {
          actor: { type: 'system', id: 'secret-sweep' },
          action: 'secret.expired',
          workspaceId: row.workspaceId,
          target: { type: 'secret', id: row.secretRecordId },
          details: { reason: 'node_not_ready_within_ttl' },
        });
      }
      return expired.length;
    });
  }
}
