import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import type { SecretKind } from '@enclave/node-protocol';
import { CONFIG, type ControlPlaneConfig, domainError, isDomainError } from '@enclave/platform';
import { PendingSecretDeliveryEntity, SecretRecordEntity } from '@enclave/persistence';
import {
  callableNode,
  type DeliveryState,
  NodeCallError,
  NODE_GATEWAY,
  type NodeGateway,
  NodeSyncService,
  SecretVault,
  targetOf,
} from '@enclave/node-delivery';
import { DataSource, type EntityManager } from 'typeorm';
import { NODE_ERRORS } from '../nodes/nodes.errors';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { CREDENTIAL_CHECKS, type CredentialChecks } from './credential-checks';
import { requireCredentialShape } from './credential-shapes';
import type { SecretRecordDto } from './dto/secret.dto';
import { SECRET_ERRORS } from './secrets.errors';

export function toSecretDto(record: SecretRecordEntity): SecretRecordDto {
  return {
    id: record.id,
    kind: record.kind,
    scope: record.scope,
    mask: record.mask,
    fingerprint: record.fingerprint,
    status: record.status,
    validatedAt: record.validatedAt.toISOString(),
    deliveredAt: record.deliveredAt?.toISOString() ?? null,
    rotatedAt: record.rotatedAt?.toISOString() ?? null,
  };
}

/** Model provider keys are workspace-wide (scope `default`); channel credentials are scoped to their channel. */
export const PROVIDER_KEY_KINDS = ['openai_api_key', 'anthropic_api_key'] as const;
export type ProviderKeyKind = (typeof PROVIDER_KEY_KINDS)[number];

/**
 * A secret passes through: validated by the caller, then recorded as kind + mask + keyed
 * fingerprint + timestamps, and sealed (AES-256-GCM) in `pending_secret_deliveries` only
 * until the node confirmed it (at most PENDING_SECRET_TTL_SECONDS). Rotation replaces the
 * record and its pending row; nothing accumulates.
 */
@Injectable()
export class SecretsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly vault: SecretVault,
    private readonly sync: NodeSyncService,
    @Inject(CREDENTIAL_CHECKS) private readonly checks: CredentialChecks,
    @Inject(NODE_GATEWAY) private readonly gateway: NodeGateway,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  /** Records a validated secret and seals it for delivery, in the caller's transaction. */
  async store(
    manager: EntityManager,
    input: { workspaceId: string; kind: SecretKind; scope: string; value: string },
    actor: AuditActor,
  ): Promise<SecretRecordEntity> {
    const fingerprint = this.vault.fingerprint(input.value);
    const mask = this.vault.mask(input.value);
    const now = new Date();
    const repository = manager.getRepository(SecretRecordEntity);
    const existing = await repository.findOne({
      where: { workspaceId: input.workspaceId, kind: input.kind, scope: input.scope },
      lock: { mode: 'pessimistic_write' },
    });
    let record: SecretRecordEntity;
    const changed = existing !== null && existing.fingerprint !== fingerprint;
    if (existing) {
      existing.mask = mask;
      existing.fingerprint = fingerprint;
      existing.status = 'pending';
      existing.validatedAt = now;
      if (changed) existing.rotatedAt = now;
      record = await repository.save(existing);
    } else {
      record = await repository.save(
        repository.create({
          workspaceId: input.workspaceId,
          kind: input.kind,
          scope: input.scope,
          mask,
          fingerprint,
          status: 'pending',
          validatedAt: now,
          deliveredAt: null,
          rotatedAt: null,
        }),
      );
    }
    const sealed = this.vault.seal(record.id, fingerprint, input.value);
    const expiresAt = new Date(now.getTime() + this.config.PENDING_SECRET_TTL_SECONDS * 1000);
    await manager.query(
      `INSERT INTO pending_secret_deliveries (secret_record_id, workspace_id, sealed, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (secret_record_id) DO UPDATE SET sealed = EXCLUDED.sealed, expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at`,
      [record.id, input.workspaceId, sealed, expiresAt, now],
    );
    await this.audit.record(manager, {
      actor,
      action: changed ? 'secret.rotated' : existing ? 'secret.revalidated' : 'secret.stored',
      workspaceId: input.workspaceId,
      target: { type: 'secret', id: record.id },
      details: { kind: input.kind, scope: input.scope, mask },
    });
    return record;
  }

  /**
   * Runs a provider check; a refusal is audited (outcome `failure`, the field and provider
   * only) and rethrown. Nothing else is written.
   */
  async refusalAudited<T>(workspaceId: string, actor: AuditActor, action: string, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      if (isDomainError(error, SECRET_ERRORS.credentialRefused)) {
        await this.audit.recordAlone({
          actor,
          action,
          workspaceId,
          outcome: 'failure',
          details: { ...(error.details as Record<string, unknown>) },
        });
      }
      throw error;
    }
  }

  async list(workspaceId: string, userId: string): Promise<SecretRecordDto[]> {
    await this.access.require(workspaceId, userId, 'member');
    const records = await this.dataSource
      .getRepository(SecretRecordEntity)
      .find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
    return records.map(toSecretDto);
  }

  /** Sets or rotates a model provider key after the provider accepted it (models.list). */
  async setProviderKey(
    workspaceId: string,
    userId: string,
    kind: ProviderKeyKind,
    value: string,
    actor: AuditActor,
  ): Promise<{ secret: SecretRecordDto; delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'admin');
    this.vault.fingerprint('configuration-check-0000'); // fail fast (503) before calling the provider when unconfigured
    requireCredentialShape(kind, 'value', value);
    await this.refusalAudited(workspaceId, actor, 'secret.refused', () =>
      kind === 'openai_api_key' ? this.checks.openAiKey(value) : this.checks.anthropicKey(value),
    );
    const record = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      return this.store(manager, { workspaceId, kind, scope: 'default', value }, actor);
    });
    const delivery = await this.sync.afterChange(workspaceId);
    const fresh = await this.dataSource.getRepository(SecretRecordEntity).findOneByOrFail({ id: record.id });
    return { secret: toSecretDto(fresh), delivery };
  }

  /** Removes a provider key: the node forgets it first (when it ever got it), then the record goes. */
  async removeProviderKey(
    workspaceId: string,
    userId: string,
    kind: ProviderKeyKind,
    actor: AuditActor,
  ): Promise<void> {
    await this.access.require(workspaceId, userId, 'owner');
    const record = await this.dataSource
      .getRepository(SecretRecordEntity)
      .findOneBy({ workspaceId, kind, scope: 'default' });
    if (!record) throw domainError(SECRET_ERRORS.notFound);
    await this.forgetOnNode(workspaceId, [record]);
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'owner', manager);
      await this.removeRecords(manager, [record], actor);
    });
  }

  /** Tells the node to forget delivered secrets; refuses (503) when the node cannot be told. */
  async forgetOnNode(workspaceId: string, records: SecretRecordEntity[]): Promise<void> {
    const delivered = records.filter((r) => r.deliveredAt !== null);
    if (delivered.length === 0) return;
    const node = await callableNode(this.dataSource.manager, workspaceId);
    if (!node)
      throw domainError(NODE_ERRORS.unavailable, {
        message:
          'The workspace node is not reachable, so it cannot be told to forget the secret; nothing was changed. Try again later.',
      });
    const target = await targetOf(this.dataSource.manager, node);
    try {
      for (const record of delivered) await this.gateway.deleteSecret(target, record.kind as SecretKind, record.scope);
    } catch (error) {
      if (error instanceof NodeCallError)
        throw domainError(NODE_ERRORS.unavailable, {
          message: 'The workspace node did not confirm forgetting the secret; nothing was changed. Try again later.',
          details: { code: error.code },
        });
      throw error;
    }
  }

  async removeRecords(manager: EntityManager, records: SecretRecordEntity[], actor: AuditActor): Promise<void> {
    for (const record of records) {
      await manager.delete(PendingSecretDeliveryEntity, { secretRecordId: record.id });
      await manager.delete(SecretRecordEntity, { id: record.id });
      await this.audit.record(manager, {
        actor,
        action: 'secret.removed',
        workspaceId: record.workspaceId,
        target: { type: 'secret', id: record.id },
        details: { kind: record.kind, scope: record.scope, mask: record.mask },
      });
    }
  }
}
