import {
  NODE_PROTOCOL_VERSION,
  type HealthChecks,
  type HeartbeatRequest,
  type ModelProvider,
} from '@enclave/node-protocol';
import type { NodeLogger } from '../logging/logger';
import type { ChannelGateway } from '../channels/channel.gateway';
import type { ModelClient } from '../models/model-client';
import type { ConfigRepository } from '../storage/config.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { Db } from '../storage/database';
import type { SecretRepository } from '../storage/secret.repository';
import { SETTING, type SettingsRepository } from '../storage/settings.repository';
import type { RetentionService } from '../retention/retention.service';
import { ControlPlaneError, type ControlPlaneClient } from './control-plane.client';

export interface HeartbeatDeps {
  readonly db: Db;
  readonly nodeId: string;
  readonly version: string;
  readonly publicBaseUrl: string;
  readonly enrolmentToken: string;
  readonly publicKeyPem: string;
  readonly settings: SettingsRepository;
  readonly counters: CountersRepository;
  readonly config: ConfigRepository;
  readonly secrets: SecretRepository;
  readonly channels: ChannelGateway;
  readonly models: ModelClient;
  readonly retention: RetentionService;
  readonly client: ControlPlaneClient;
  readonly logger: NodeLogger;
  readonly state: () => 'active' | 'suspended' | 'wiped';
  readonly startedAt: number;
}

const PROVIDER_CHECK_TTL_MS = 5 * 60_000;

/**
 * Enrolment (once) and the periodic signed heartbeat. Counters live in SQLite and are only
 * decremented by what an acknowledged beat reported, so an unreachable control plane loses
 * nothing: the next beat carries the sum. Never text, names or end-user ids.
 */
export class HeartbeatService {
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private readonly providerChecks = new Map<ModelProvider, { ok: boolean; code?: string; at: number }>();

  constructor(
    private readonly deps: HeartbeatDeps,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = () => {
      void this.beat().finally(() => {
        if (this.timer !== undefined) {
          this.timer = setTimeout(tick, this.intervalMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  enrolled(): boolean {
    return !!this.deps.settings.get(SETTING.enrolledAt);
  }

  async enrol(): Promise<boolean> {
    if (this.enrolled()) return true;
    try {
      await this.deps.client.enrol({
        protocolVersion: NODE_PROTOCOL_VERSION,
        nodeId: this.deps.nodeId,
        enrolmentToken: this.deps.enrolmentToken,
        publicKey: this.deps.publicKeyPem,
        version: this.deps.version,
        publicBaseUrl: this.deps.publicBaseUrl,
      });
      this.deps.settings.set(SETTING.enrolledAt, new Date().toISOString());
      this.deps.logger.info('enrolled with the control plane');
      return true;
    } catch (err) {
      this.deps.logger.warn(
        { code: err instanceof ControlPlaneError ? err.code : 'unknown_error' },
        'enrolment failed; retrying next beat',
      );
      return false;
    }
  }

  async checks(): Promise<HealthChecks> {
    let database = { ok: true } as { ok: boolean; code?: string };
    try {
      this.deps.db.prepare('SELECT 1').get();
    } catch {
      database = { ok: false, code: 'query_failed' };
    }
    const providers: HealthChecks['providers'] = [];
    const used = new Map<ModelProvider, string>();
    for (const a of this.deps.config.listAgents()) if (a.enabled && !used.has(a.provider)) used.set(a.provider, a.id);
    for (const [provider, agentId] of used) {
      const key = this.deps.secrets.resolve(provider === 'openai' ? 'openai_api_key' : 'anthropic_api_key', agentId);
      if (!key) {
        providers.push({ provider, ok: false, code: 'missing_api_key' });
        continue;
      }
      const cached = this.providerChecks.get(provider);
      if (cached && Date.now() - cached.at < PROVIDER_CHECK_TTL_MS) {
        providers.push({ provider, ok: cached.ok, ...(cached.code ? { code: cached.code } : {}) });
        continue;
      }
      try {
        await this.deps.models.check(provider, key);
        this.providerChecks.set(provider, { ok: true, at: Date.now() });
        providers.push({ provider, ok: true });
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'unreachable';
        this.providerChecks.set(provider, { ok: false, code, at: Date.now() });
        providers.push({ provider, ok: false, code });
      }
    }
    return { database, channels: this.deps.channels.checks(), providers };
  }

  buildBeat(snapshot: Record<string, number>, checks: HealthChecks): HeartbeatRequest {
    const c = (name: string) => snapshot[name] ?? 0;
    const revision = this.deps.settings.get(SETTING.configRevision);
    return {
      protocolVersion: NODE_PROTOCOL_VERSION,
      nodeId: this.deps.nodeId,
      version: this.deps.version,
      state: this.deps.state(),
      sentAt: new Date().toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.deps.startedAt) / 1000),
      configRevision: revision ? Number(revision) : null,
      checks,
      counters: {
        since: this.deps.settings.get(SETTING.countersSince) ?? null,
        channels: {
          telegram: {
            inbound: c(COUNTER.inbound('telegram')),
            outbound: c(COUNTER.outbound('telegram')),
            failures: c(COUNTER.failures('telegram')),
          },
          whatsapp: {
            inbound: c(COUNTER.inbound('whatsapp')),
            outbound: c(COUNTER.outbound('whatsapp')),
            failures: c(COUNTER.failures('whatsapp')),
          },
        },
        providerErrors: c(COUNTER.providerErrors),
        fallbackReplies: c(COUNTER.fallbackReplies),
      },
      activeChannelIds: this.deps.config
        .listChannels()
        .filter((ch) => ch.enabled)
        .map((ch) => ch.id),
      lastActivityAt: this.deps.settings.get(SETTING.lastActivityAt) ?? null,
      retention: {
        days: this.deps.retention.days(),
        lastPurgeAt: this.deps.retention.lastPurgeAt(),
        purgedMessages: c(COUNTER.purgedMessages),
        purgedConversations: c(COUNTER.purgedConversations),
      },
    };
  }

  /** One beat: enrol if needed, send, and on acknowledgement subtract what was reported. */
  async beat(): Promise<boolean> {
    if (this.beating || this.deps.state() === 'wiped') return false;
    this.beating = true;
    try {
      // Webhooks that failed to register (provider down, bad token) are retried every beat.
      await this.deps.channels.syncWebhooks();
      if (!(await this.enrol())) return false;
      const checks = await this.checks();
      const snapshot = this.deps.counters.snapshot();
      const body = this.buildBeat(snapshot, checks);
      try {
        await this.deps.client.heartbeat(body);
      } catch (err) {
        this.deps.logger.warn(
          { code: err instanceof ControlPlaneError ? err.code : 'unknown_error' },
          'heartbeat not delivered; counters kept for the next beat',
        );
        return false;
      }
      this.deps.counters.acknowledge(snapshot);
      this.deps.settings.set(SETTING.countersSince, body.sentAt);
      return true;
    } finally {
      this.beating = false;
    }
  }
}
