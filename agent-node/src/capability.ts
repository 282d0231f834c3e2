import type { HealthChecks, HeartbeatRequest, NodeState, WipeReceipt } from '@enclave/node-protocol';
import type { NodeConfig } from './config/node-config';
import type { SignedRoute } from './control/control-plane-auth';
import type { TrustedKeys } from './control/trusted-keys';
import type { SessionRoute } from './sessions/node-session-auth';
import type { Route } from './http/http-server';
import type { NodeKeys } from './keys/node-keys';
import type { NodeLogger } from './logging/logger';
import type { ModelClient } from './models/model-client';
import type { ConfigRepository } from './storage/config.repository';
import type { ConversationRepository } from './storage/conversation.repository';
import type { CounterSnapshot, CountersRepository } from './storage/counters.repository';
import type { Db, Transaction } from './storage/database';
import type { SecretRepository } from './storage/secret.repository';
import type { SettingsRepository } from './storage/settings.repository';

/**
 * One thing the node does (channels, messaging, exports, …): a folder holding its routes,
 * service and repository, and a `<name>.capability.ts` implementing this interface.
 * `capabilities.ts` lists them; the node starts them in that order and stops them in reverse.
 */
export interface Capability {
  /** Short and stable: names the capability in logs. */
  readonly name: string;
  /**
   * Its HTTP routes: open ones (provider webhooks, links that carry their own signature) and
   * `signed` ones, which only the control plane can call (see control/control-plane-auth.ts).
   */
  routes?(): readonly CapabilityRoute[];
  /** Once the server listens: workers, registrations with providers. */
  start?(): void;
  /** Its periodic tasks; tests leave them off and call the services themselves. */
  schedule?(): void;
  /** Ends its work; the database closes once every capability has stopped. */
  stop?(): void | Promise<void>;
  /** Its health checks, for GET /v1/health and every heartbeat. */
  checks?(): Partial<HealthChecks> | Promise<Partial<HealthChecks>>;
  /**
   * Its part of the next heartbeat, from the counters since the last acknowledged one: counts,
   * configured ids, timestamps — never content. Runs before every beat, so work that is retried
   * with every beat (webhook registration) belongs here too.
   */
  heartbeat?(counters: CounterSnapshot): HeartbeatPart | Promise<HeartbeatPart>;
  /** The control plane acknowledged a beat that carried `report`: forget what it carried. */
  acknowledged?(report: HeartbeatReport): void;
  /** Before a wipe deletes the data directory: undo what lives elsewhere, count what is about to go. */
  wipe?(): Partial<WipeCounts> | Promise<Partial<WipeCounts>>;
}

export type OpenRoute = Route & { readonly signed?: false; readonly session?: undefined };
/** Open routes, routes signed by the control plane, and routes the dashboard calls with a node session. */
export type CapabilityRoute = OpenRoute | SignedRoute | SessionRoute;

/** What capabilities are built from: the config, the open database and the repositories they share. */
export interface NodeContext {
  readonly cfg: NodeConfig;
  readonly logger: NodeLogger;
  /** For a capability's own repositories. */
  readonly db: Db;
  readonly transaction: Transaction;
  readonly keys: NodeKeys;
  readonly settings: SettingsRepository;
  readonly secrets: SecretRepository;
  readonly counters: CountersRepository;
  /** Agents and channels as last applied by the control plane. */
  readonly config: ConfigRepository;
  readonly conversations: ConversationRepository;
  readonly trustedKeys: TrustedKeys;
  readonly models: ModelClient;
  /** The node as a whole: its state, and the wipe (which ends every capability). */
  readonly node: { state(): NodeState; wipe(): Promise<WipeReceipt> };
}

/** The heartbeat sections capabilities fill in; the node adds identity, state and checks. */
export interface HeartbeatReport {
  readonly counters: Omit<HeartbeatRequest['counters'], 'since'>;
  readonly activeChannelIds: HeartbeatRequest['activeChannelIds'];
  readonly lastActivityAt: HeartbeatRequest['lastActivityAt'];
  readonly retention: HeartbeatRequest['retention'];
  readonly inboxNotices?: HeartbeatRequest['inboxNotices'];
  readonly webhookNotices?: HeartbeatRequest['webhookNotices'];
  readonly knowledge?: HeartbeatRequest['knowledge'];
}

export type HeartbeatPart = Partial<Omit<HeartbeatReport, 'counters'>> & {
  readonly counters?: Partial<HeartbeatReport['counters']>;
};

/** What a wipe receipt counts; each capability counts its own. */
export type WipeCounts = Omit<WipeReceipt['deleted'], 'files'>;

const NO_TRAFFIC = { inbound: 0, outbound: 0, failures: 0 };

/** A beat before any capability added its part: nothing happened, nothing is configured. */
const NOTHING_REPORTED: HeartbeatReport = {
  counters: { channels: { telegram: NO_TRAFFIC, whatsapp: NO_TRAFFIC }, providerErrors: 0, fallbackReplies: 0 },
  activeChannelIds: [],
  lastActivityAt: null,
  retention: { days: 0, lastPurgeAt: null, purgedMessages: 0, purgedConversations: 0 },
};

export async function collectChecks(
  capabilities: readonly Capability[],
  database: HealthChecks['database'],
): Promise<HealthChecks> {
  let checks: HealthChecks = { database, channels: [], providers: [] };
  for (const c of capabilities) if (c.checks) checks = { ...checks, ...(await c.checks()) };
  return checks;
}

export async function collectHeartbeat(
  capabilities: readonly Capability[],
  counters: CounterSnapshot,
): Promise<HeartbeatReport> {
  let report = NOTHING_REPORTED;
  for (const c of capabilities) {
    if (!c.heartbeat) continue;
    const part = await c.heartbeat(counters);
    report = { ...report, ...part, counters: { ...report.counters, ...part.counters } };
  }
  return report;
}

/** Asks the capabilities in reverse start order, so the reply queue pauses before channels unregister. */
export async function collectWipeCounts(capabilities: readonly Capability[]): Promise<WipeCounts> {
  let counts: WipeCounts = { conversations: 0, messages: 0, secrets: 0, exports: 0, webhooksUnregistered: 0 };
  for (const c of [...capabilities].reverse()) if (c.wipe) counts = { ...counts, ...(await c.wipe()) };
  return counts;
}
