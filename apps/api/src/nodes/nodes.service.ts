import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import {
  enrolRequestSchema,
  heartbeatRequestSchema,
  parsePublicKey,
  PROTOCOL_HEADERS,
  verifyRequest,
  type HeartbeatRequest,
} from '@enclave/node-protocol';
import { CONFIG, type ControlPlaneConfig, type DomainError, domainError, REQUEST_ERRORS } from '@enclave/platform';
import {
  hashEnrolmentToken,
  NodeEntity,
  type NodeStatus,
  PendingSecretDeliveryEntity,
  statusAfterSilence,
  WorkspaceNodeSettingsEntity,
} from '@enclave/persistence';
import { desiredSuspension, NodeSyncService } from '@enclave/node-delivery';
import { timingSafeEqual } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { recordApiUsage } from '../api-keys/api-key-usage';
import { InboxNoticesService } from './inbox-notices.service';
import { type DisabledEndpoint, WebhookNoticesService } from './webhook-notices.service';
import { NODE_ERRORS } from './nodes.errors';
import { RedisNonceStore } from './redis-nonce.store';

export interface SignedNodeRequest {
  method: string;
  /** Path and query exactly as received (the node signs the full path, `/api/...` included). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer | undefined;
  ip: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function refusedSignature(reason: string): DomainError {
  return domainError(reason === 'replayed_nonce' ? NODE_ERRORS.replayedRequest : NODE_ERRORS.badSignature, {
    details: { reason },
  });
}

function parseJson(raw: Buffer | undefined): unknown {
  try {
    return JSON.parse((raw ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    throw domainError(REQUEST_ERRORS.malformedJson);
  }
}

/** Health from the node's own checks: every check ok → healthy, else degraded. Offline comes from silence (reconciliation). */
export function healthFromChecks(beat: HeartbeatRequest): NodeStatus {
  const { database, channels, providers } = beat.checks;
  return database.ok && channels.every((c) => c.ok) && providers.every((p) => p.ok) ? 'healthy' : 'degraded';
}

/**
 * Node callbacks: enrolment with the one-time token (the node proves possession of the key it
 * enrols by signing the request with it) and signed heartbeats (health, version, usage counts).
 * Unsigned, wrongly signed, replayed, unknown or wiped nodes are refused and change nothing.
 */
@Injectable()
export class NodesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly nonces: RedisNonceStore,
    private readonly sync: NodeSyncService,
    private readonly inboxNotices: InboxNoticesService,
    private readonly webhookNotices: WebhookNoticesService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async enrol(request: SignedNodeRequest): Promise<{ nodeId: string; enrolledAt: string }> {
    const parsed = enrolRequestSchema.safeParse(parseJson(request.rawBody));
    if (!parsed.success)
      throw domainError(REQUEST_ERRORS.validationFailed, {
        message: 'The enrolment request is not valid.',
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    const body = parsed.data;
    const denied = () => domainError(NODE_ERRORS.enrolmentRefused);
    if (!UUID.test(body.nodeId)) throw denied();
    try {
      parsePublicKey(body.publicKey);
    } catch {
      throw domainError(NODE_ERRORS.badPublicKey);
    }
    const node = await this.dataSource.getRepository(NodeEntity).findOneBy({ id: body.nodeId });
    const expected = node?.enrolmentTokenHash ? Buffer.from(node.enrolmentTokenHash, 'hex') : null;
    const given = Buffer.from(hashEnrolmentToken(body.enrolmentToken), 'hex');
    if (
      !node ||
      node.status === 'wiped' ||
      !expected ||
      expected.length !== given.length ||
      !timingSafeEqual(expected, given)
    )
      throw denied();
    // A repeat with the key already enrolled is answered again (the first answer may have been lost); any other key is refused.
    if (node.publicKey && node.publicKey.trim() !== body.publicKey.trim()) throw denied();
    const verdict = await verifyRequest({
      method: request.method,
      path: request.path,
      body: request.rawBody ?? '',
      headers: request.headers,
      publicKey: body.publicKey,
      nonceStore: this.nonces,
    });
    if (!verdict.ok) throw refusedSignature(verdict.reason);
    const actor: AuditActor = { type: 'node', id: node.id, ip: request.ip };
    const enrolledAt = await this.dataSource.transaction(async (manager) => {
      const current = await manager
        .getRepository(NodeEntity)
        .findOne({ where: { id: node.id }, lock: { mode: 'pessimistic_write' } });
      if (!current || current.status === 'wiped') throw denied();
      // A node that just enrolled is behind by definition: its config and pending secrets follow (also on a repeat).
      await this.sync.enqueue(manager, current.workspaceId);
      if (current.publicKey) return current.enrolledAt ?? new Date();
      current.publicKey = body.publicKey;
      current.publicBaseUrl = body.publicBaseUrl;
      current.reportedVersion = body.version;
      current.enrolledAt = new Date();
      if (current.status === 'installing') current.status = 'enrolled';
      await manager.save(current);
      await this.audit.record(manager, {
        actor,
        action: 'node.enrolled',
        workspaceId: current.workspaceId,
        target: { type: 'node', id: current.id },
        details: { version: body.version },
      });
      return current.enrolledAt;
    });
    return { nodeId: node.id, enrolledAt: enrolledAt.toISOString() };
  }

  async heartbeat(nodeId: string, request: SignedNodeRequest): Promise<{ receivedAt: string }> {
    const unknown = () => domainError(NODE_ERRORS.unknownNode);
    if (!UUID.test(nodeId)) throw unknown();
    const headerNodeId = request.headers[PROTOCOL_HEADERS.nodeId];
    if (headerNodeId !== nodeId) throw refusedSignature('missing_headers');
    const node = await this.dataSource.getRepository(NodeEntity).findOneBy({ id: nodeId });
    if (!node || !node.publicKey) throw unknown();
    if (node.status === 'wiped') throw domainError(NODE_ERRORS.deprovisioned);
    const verdict = await verifyRequest({
      method: request.method,
      path: request.path,
      body: request.rawBody ?? '',
      headers: request.headers,
      publicKey: node.publicKey,
      nonceStore: this.nonces,
    });
    if (!verdict.ok) throw refusedSignature(verdict.reason);
    const parsed = heartbeatRequestSchema.safeParse(parseJson(request.rawBody));
    if (!parsed.success || parsed.data.nodeId !== nodeId)
      throw domainError(REQUEST_ERRORS.validationFailed, {
        message: 'The heartbeat is not valid.',
        details: parsed.success
          ? [{ path: 'nodeId', message: 'does not match the path' }]
          : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    const beat = parsed.data;
    const receivedAt = new Date();
    let disabledEndpoints: DisabledEndpoint[] = [];
    await this.dataSource.transaction(async (manager) => {
      const current = await manager
        .getRepository(NodeEntity)
        .findOne({ where: { id: nodeId }, lock: { mode: 'pessimistic_write' } });
      if (!current || current.status === 'wiped') throw domainError(NODE_ERRORS.deprovisioned);
      const previous = current.status;
      current.lastHeartbeatAt = receivedAt;
      current.reportedVersion = beat.version;
      current.reportedState = beat.state;
      current.health = {
        checks: beat.checks,
        configRevision: beat.configRevision,
        uptimeSeconds: beat.uptimeSeconds,
        lastActivityAt: beat.lastActivityAt,
        retention: beat.retention,
        knowledge: beat.knowledge ?? null,
      };
      current.status = healthFromChecks(beat);
      await manager.save(current);
      await this.addUsage(manager, current.workspaceId, receivedAt, beat);
      await recordApiUsage(manager, current.workspaceId, receivedAt.toISOString().slice(0, 10), beat.counters.api);
      await this.inboxNotices.apply(manager, current, receivedAt, beat);
      disabledEndpoints = await this.webhookNotices.apply(manager, current, beat);
      // Row locks (node, then settings in needsDelivery) before the event: it joins the audit chain at commit.
      const needed = await this.needsDelivery(manager, current.workspaceId, beat);
      if (needed) await this.sync.enqueue(manager, current.workspaceId);
      if (previous !== current.status) {
        await this.audit.record(manager, {
          actor: { type: 'node', id: nodeId, ip: request.ip },
          action: 'node.health_changed',
          workspaceId: current.workspaceId,
          target: { type: 'node', id: nodeId },
          details: { from: previous, to: current.status, version: beat.version },
        });
      }
    });
    await this.webhookNotices.tellOwners(disabledEndpoints);
    return { receivedAt: receivedAt.toISOString() };
  }

  /** Upsert-add of the beat's counts into today's (UTC) rows. */
  private async addUsage(manager: EntityManager, workspaceId: string, at: Date, beat: HeartbeatRequest): Promise<void> {
    const day = at.toISOString().slice(0, 10);
    const { telegram, whatsapp, web } = beat.counters.channels;
    const windowClosed = whatsapp.windowClosed ?? 0;
    const rows: Array<[string, number, number, number, number, number, number]> = [
      ['telegram', telegram.inbound, telegram.outbound, telegram.failures, 0, 0, 0],
      ['whatsapp', whatsapp.inbound, whatsapp.outbound, whatsapp.failures, 0, 0, windowClosed],
      ['model', 0, 0, 0, beat.counters.providerErrors, beat.counters.fallbackReplies, 0],
      ['web', web?.inbound ?? 0, web?.outbound ?? 0, web?.failures ?? 0, 0, 0, 0],
    ];
    for (const [channel, ...counts] of rows) {
      if (counts.reduce((sum, n) => sum + n, 0) <= 0) continue;
      await manager.query(
        `INSERT INTO usage_daily (workspace_id, day, channel, inbound, outbound, failures, provider_errors, fallback_replies,
                                  window_closed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (workspace_id, day, channel) DO UPDATE SET
           inbound = usage_daily.inbound + EXCLUDED.inbound,
           outbound = usage_daily.outbound + EXCLUDED.outbound,
           failures = usage_daily.failures + EXCLUDED.failures,
           provider_errors = usage_daily.provider_errors + EXCLUDED.provider_errors,
           fallback_replies = usage_daily.fallback_replies + EXCLUDED.fallback_replies,
           window_closed = usage_daily.window_closed + EXCLUDED.window_closed`,
        [workspaceId, day, channel, ...counts.map((n) => Math.max(0, n))],
      );
    }
  }

  /**
   * Something is waiting for this node: secrets, a config revision it does not report, settings
   * out of step. What the node reports wins over what we recorded as applied (a restored node).
   */
  private async needsDelivery(manager: EntityManager, workspaceId: string, beat: HeartbeatRequest): Promise<boolean> {
    let needed = await manager.existsBy(PendingSecretDeliveryEntity, { workspaceId });
    const settings = await manager
      .getRepository(WorkspaceNodeSettingsEntity)
      .findOne({ where: { workspaceId }, lock: { mode: 'pessimistic_write' } });
    if ((await desiredSuspension(manager, workspaceId, settings)) !== (beat.state === 'suspended')) needed = true;
    if (!settings) return needed;
    if (settings.configRevision > 0 && (beat.configRevision ?? -1) < settings.configRevision) {
      if (settings.appliedRevision !== null && (beat.configRevision ?? -1) < settings.appliedRevision)
        settings.appliedRevision = beat.configRevision;
      needed = true;
    }
    if (settings.retentionDays !== null && beat.retention.days !== settings.retentionDays) {
      settings.retentionAppliedAt = null;
      needed = true;
    }
    if (needed) await manager.save(settings);
    return needed;
  }

  /** For the dashboard: status with freshness applied (silent too long → degraded, then offline). */
  effectiveStatus(node: NodeEntity, now = Date.now()): NodeStatus {
    return statusAfterSilence(node, now, this.config);
  }
}
