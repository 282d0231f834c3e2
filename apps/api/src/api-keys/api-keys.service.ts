import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { bumpConfigRevision, type DeliveryState, NodeSyncService, SecretVault } from '@enclave/node-delivery';
import { CHAT_API_KEY_PREFIX, chatApiKeyHash } from '@enclave/node-protocol';
import { AgentEntity, ApiKeyEntity, SecretRecordEntity } from '@enclave/persistence';
import { domainError } from '@enclave/platform';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { SecretsService } from '../secrets/secrets.service';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { API_KEY_ERRORS } from './api-keys.errors';
import type { ApiKeyDto, CreateApiKeyDto } from './dto/api-key.dto';

/** Active keys per workspace: each is a channel of the node's config, which holds at most 50. */
const MAX_ACTIVE_KEYS = 20;

export function toApiKeyDto(k: ApiKeyEntity): ApiKeyDto {
  return {
    id: k.id,
    name: k.name,
    agentId: k.agentId,
    mask: k.mask,
    fingerprint: k.fingerprint,
    history: k.history,
    requestsPerMinute: k.requestsPerMinute,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Keys of the node's chat API. A key is generated here and shown once; the control plane keeps
 * its name, mask, keyed fingerprint and settings, and hands the node only its SHA-256, through
 * the pending-secret delivery every secret takes (secret `chat_api_key`, scope = the key's id).
 * The settings reach the node as an `api` channel of its config; a revocation removes that
 * channel (and so the hash) with the next config revision.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly vault: SecretVault,
    private readonly secrets: SecretsService,
    private readonly sync: NodeSyncService,
  ) {}

  async list(workspaceId: string, userId: string): Promise<ApiKeyDto[]> {
    await this.access.require(workspaceId, userId, 'member');
    const keys = await this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { workspaceId }, order: { createdAt: 'DESC' } });
    return keys.map(toApiKeyDto);
  }

  async create(
    workspaceId: string,
    userId: string,
    input: CreateApiKeyDto,
    actor: AuditActor,
  ): Promise<{ apiKey: ApiKeyDto; secret: string; delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'admin');
    const secret = `${CHAT_API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const fingerprint = this.vault.fingerprint(secret); // 503 secrets_not_configured before anything is written
    const key = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      await this.requireAgent(manager, workspaceId, input.agentId);
      if ((await manager.countBy(ApiKeyEntity, { workspaceId, revokedAt: IsNull() })) >= MAX_ACTIVE_KEYS)
        throw domainError(API_KEY_ERRORS.limit);
      const created = await manager.save(
        ApiKeyEntity,
        manager.create(ApiKeyEntity, {
          workspaceId,
          agentId: input.agentId,
          name: input.name,
          mask: `${CHAT_API_KEY_PREFIX}…${secret.slice(-4)}`,
          fingerprint,
          history: input.history,
          requestsPerMinute: input.requestsPerMinute,
          createdBy: userId,
          lastUsedAt: null,
          revokedAt: null,
        }),
      );
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'api_key.created',
        workspaceId,
        target: { type: 'api_key', id: created.id },
        details: {
          name: created.name,
          agentId: created.agentId,
          mask: created.mask,
          history: created.history,
          requestsPerMinute: created.requestsPerMinute,
          revision,
        },
      });
      await this.secrets.store(
        manager,
        { workspaceId, kind: 'chat_api_key', scope: created.id, value: chatApiKeyHash(secret) },
        actor,
      );
      return created;
    });
    return { apiKey: toApiKeyDto(key), secret, delivery: await this.sync.afterChange(workspaceId) };
  }

  async revoke(
    workspaceId: string,
    userId: string,
    keyId: string,
    actor: AuditActor,
  ): Promise<{ apiKey: ApiKeyDto; delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'admin');
    const key = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const found = await manager
        .getRepository(ApiKeyEntity)
        .findOne({ where: { id: keyId, workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw domainError(API_KEY_ERRORS.notFound);
      if (found.revokedAt) return found;
      found.revokedAt = new Date();
      await manager.save(found);
      await this.secrets.removeRecords(
        manager,
        await manager.findBy(SecretRecordEntity, { workspaceId, kind: 'chat_api_key', scope: keyId }),
        actor,
      );
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'api_key.revoked',
        workspaceId,
        target: { type: 'api_key', id: keyId },
        details: { name: found.name, mask: found.mask, revision },
      });
      return found;
    });
    return { apiKey: toApiKeyDto(key), delivery: await this.sync.afterChange(workspaceId) };
  }

  private async requireAgent(manager: EntityManager, workspaceId: string, agentId: string): Promise<void> {
    if (!(await manager.existsBy(AgentEntity, { id: agentId, workspaceId })))
      throw domainError(API_KEY_ERRORS.unknownAgent, { details: { field: 'agentId' } });
  }
}
