import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import type { WebhookEventType } from '@enclave/node-protocol';
import { bumpConfigRevision, type DeliveryState, NodeSyncService } from '@enclave/node-delivery';
import { SecretRecordEntity, WebhookEndpointEntity } from '@enclave/persistence';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { SecretsService, toSecretDto } from '../secrets/secrets.service';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import type { CreateWebhookEndpointDto, UpdateWebhookEndpointDto, WebhookEndpointDto } from './dto/webhook.dto';
import { checkWebhookUrl } from './webhook-url';
import { WEBHOOK_ERRORS } from './webhooks.errors';

const MAX_ENDPOINTS = 20;
const SECRET_KIND = 'webhook_signing_secret' as const;

/** A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** What the audit log keeps of a URL: its origin (paths and queries often carry the receiver's own tokens). */
const origin = (url: string) => new URL(url).origin;

export function toEndpointDto(e: WebhookEndpointEntity, secret: SecretRecordEntity | null): WebhookEndpointDto {
  return {
    id: e.id,
    url: e.url,
    events: e.events as WebhookEventType[],
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    secret: secret ? toSecretDto(secret) : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

type Result = { endpoint: WebhookEndpointDto; signingSecret?: string; delivery: DeliveryState };

/**
 * Webhook endpoints: configuration in the control plane (URL, events, enabled) and a signing
 * secret shown once, kept as mask + fingerprint and delivered to the node like other secrets.
 * Members read; admins create, change, rotate and remove. The node sends the webhooks and keeps
 * their log; the control plane never sees a payload.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
    private readonly sync: NodeSyncService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async list(workspaceId: string, userId: string): Promise<WebhookEndpointDto[]> {
    await this.access.require(workspaceId, userId, 'member');
    const endpoints = await this.dataSource
      .getRepository(WebhookEndpointEntity)
      .find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
    const secrets = await this.dataSource.getRepository(SecretRecordEntity).findBy({ workspaceId, kind: SECRET_KIND });
    return endpoints.map((e) => toEndpointDto(e, secrets.find((s) => s.scope === e.id) ?? null));
  }

  async create(
    workspaceId: string,
    userId: string,
    input: CreateWebhookEndpointDto,
    actor: AuditActor,
  ): Promise<Result> {
    await this.access.require(workspaceId, userId, 'admin');
    const url = checkWebhookUrl(input.url, this.config.WEBHOOK_TEST_HOSTS);
    const signingSecret = newSigningSecret();
    const { endpoint, secret } = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      if ((await manager.countBy(WebhookEndpointEntity, { workspaceId })) >= MAX_ENDPOINTS)
        throw domainError(WEBHOOK_ERRORS.limit);
      const saved = await manager.save(
        WebhookEndpointEntity,
        manager.create(WebhookEndpointEntity, {
          workspaceId,
          url,
          events: input.events,
          enabled: input.enabled,
          disabledReason: null,
          disabledAt: null,
        }),
      );
      const record = await this.secrets.store(
        manager,
        { workspaceId, kind: SECRET_KIND, scope: saved.id, value: signingSecret },
        actor,
      );
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'webhook.endpoint_created',
        workspaceId,
        target: { type: 'webhook_endpoint', id: saved.id },
        details: { origin: origin(url), events: input.events, enabled: input.enabled, revision },
      });
      return { endpoint: saved, secret: record };
    });
    return {
      endpoint: toEndpointDto(endpoint, secret),
      signingSecret,
      delivery: await this.sync.afterChange(workspaceId),
    };
  }

  async update(
    workspaceId: string,
    userId: string,
    endpointId: string,
    input: UpdateWebhookEndpointDto,
    actor: AuditActor,
  ): Promise<Result> {
    await this.access.require(workspaceId, userId, 'admin');
    const url = input.url === undefined ? undefined : checkWebhookUrl(input.url, this.config.WEBHOOK_TEST_HOSTS);
    const endpoint = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const current = await this.find(manager, workspaceId, endpointId);
      if (url !== undefined) current.url = url;
      if (input.events) current.events = input.events;
      if (input.enabled !== undefined) current.enabled = input.enabled;
      if (current.enabled) Object.assign(current, { disabledReason: null, disabledAt: null });
      const saved = await manager.save(current);
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'webhook.endpoint_updated',
        workspaceId,
        target: { type: 'webhook_endpoint', id: endpointId },
        details: {
          ...(url === undefined ? {} : { origin: origin(url) }),
          ...(input.events ? { events: input.events } : {}),
          ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
          revision,
        },
      });
      return saved;
    });
    return {
      endpoint: toEndpointDto(endpoint, await this.secretOf(endpointId)),
      delivery: await this.sync.afterChange(workspaceId),
    };
  }

  /** A new signing secret, shown once; the node gets it like any secret and signs with it from then on. */
  async rotateSecret(workspaceId: string, userId: string, endpointId: string, actor: AuditActor): Promise<Result> {
    await this.access.require(workspaceId, userId, 'admin');
    const signingSecret = newSigningSecret();
    const { endpoint, secret } = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const current = await this.find(manager, workspaceId, endpointId);
      const record = await this.secrets.store(
        manager,
        { workspaceId, kind: SECRET_KIND, scope: endpointId, value: signingSecret },
        actor,
      );
      return { endpoint: current, secret: record };
    });
    return {
      endpoint: toEndpointDto(endpoint, secret),
      signingSecret,
      delivery: await this.sync.afterChange(workspaceId),
    };
  }

  async remove(
    workspaceId: string,
    userId: string,
    endpointId: string,
    actor: AuditActor,
  ): Promise<{ delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'admin');
    await this.find(this.dataSource.manager, workspaceId, endpointId);
    const records = await this.dataSource.getRepository(SecretRecordEntity).findBy({ workspaceId, scope: endpointId });
    await this.secrets.forgetOnNode(workspaceId, records);
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const endpoint = await this.find(manager, workspaceId, endpointId);
      await this.secrets.removeRecords(
        manager,
        await manager.findBy(SecretRecordEntity, { workspaceId, scope: endpointId }),
        actor,
      );
      await manager.delete(WebhookEndpointEntity, { id: endpointId, workspaceId });
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'webhook.endpoint_deleted',
        workspaceId,
        target: { type: 'webhook_endpoint', id: endpointId },
        details: { origin: origin(endpoint.url), revision },
      });
    });
    return { delivery: await this.sync.afterChange(workspaceId) };
  }

  private async find(manager: EntityManager, workspaceId: string, id: string): Promise<WebhookEndpointEntity> {
    const found = await manager.findOneBy(WebhookEndpointEntity, { id, workspaceId });
    if (!found) throw domainError(WEBHOOK_ERRORS.notFound);
    return found;
  }

  private secretOf(endpointId: string): Promise<SecretRecordEntity | null> {
    return this.dataSource.getRepository(SecretRecordEntity).findOneBy({ kind: SECRET_KIND, scope: endpointId });
  }
}
