import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NODE_PROTOCOL_VERSION, parsePublicKey, type NodeState, type WipeReceipt } from '@enclave/node-protocol';
import { collectChecks, collectWipeCounts, type Capability, type NodeContext } from './capability';
import { createCapabilities, type Capabilities } from './capabilities';
import type { NodeConfig } from './config/node-config';
import { ControlPlaneAuth } from './control/control-plane-auth';
import { RouteGuards } from './http/route-guards';
import { NodeSessionAuth } from './sessions/node-session-auth';
import { healthRoutes, type NodeStatus } from './control/health';
import { TrustedKeys } from './control/trusted-keys';
import { wipeRoute } from './control/control.routes';
import { readWipeReceipt, wipeDataDirectory } from './control/wipe';
import { ControlPlaneClient } from './heartbeat/control-plane.client';
import { Enrolment } from './heartbeat/enrolment';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { createHttpServer, Router, type Route } from './http/http-server';
import { NODE_ERROR, NodeError } from './http/node-error';
import { loadOrCreateNodeKeys } from './keys/node-keys';
import { createLogger, type NodeLogger } from './logging/logger';
import { SdkModelClient, type ModelClient } from './models/model-client';
import { ConfigRepository } from './storage/config.repository';
import { ConversationRepository } from './storage/conversation.repository';
import { CountersRepository } from './storage/counters.repository';
import { checkDatabase, databaseFile, openDatabase } from './storage/database';
import { NonceRepository } from './storage/nonce.repository';
import { SecretRepository } from './storage/secret.repository';
import { configRevision, SETTING, SettingsRepository } from './storage/settings.repository';

/** The installed bundle's version (the bundle's launcher sets it); the package version when run from source. */
export const NODE_VERSION = process.env.ENCLAVE_NODE_VERSION ?? '0.1.0';

export interface NodeAppOptions {
  readonly logger?: NodeLogger;
  /** Replace the model client (unit tests); the real SDK client otherwise. */
  readonly models?: ModelClient;
  /** Skip background timers (heartbeat, retention, export sweeper) — tests drive them. */
  readonly backgroundTasks?: boolean;
}

interface Running {
  readonly ctx: NodeContext;
  readonly capabilities: Capabilities;
  readonly heartbeat: HeartbeatService;
  readonly status: Required<NodeStatus>;
  readonly router: Router;
}

/** Parts of a running node for tests (never exposed over HTTP). */
export type NodeInternals = Pick<
  NodeContext,
  'db' | 'keys' | 'settings' | 'counters' | 'secrets' | 'config' | 'conversations'
> & {
  readonly heartbeat: HeartbeatService;
  readonly worker: Capabilities['messaging']['worker'];
  readonly jobs: Capabilities['messaging']['jobs'];
  readonly exports: Capabilities['exports']['service'];
  readonly retention: Capabilities['retention']['service'];
  readonly inbox: Capabilities['inbox']['service'];
  readonly webhooks: Capabilities['webhooks'];
  readonly transcripts: Capabilities['transcripts'];
  /** The route table as served, with each route's guard. */
  readonly routes: ReturnType<Router['list']>;
};

const nodeWiped = () => new NodeError(NODE_ERROR.nodeWiped, 'this node has been wiped');

/**
 * The composition root: opens the data directory, builds the capabilities (`capabilities.ts`)
 * on it and serves their routes. Wired by hand, no DI container: small, fast start. A wiped
 * node serves health only, and 410 `node_wiped` to everything else.
 */
export class NodeApp {
  readonly logger: NodeLogger;
  private readonly startedAt = Date.now();
  private readonly models: ModelClient;
  /** The key written in the config at install: trusted until the control plane sets others. */
  private readonly configuredControlPlaneKey: KeyObject;
  private readonly wiped: { readonly status: NodeStatus; readonly router: Router };
  private wiping?: Promise<WipeReceipt>;
  private server: Server | undefined;
  private run: Running | undefined;

  constructor(
    readonly cfg: NodeConfig,
    private readonly options: NodeAppOptions = {},
  ) {
    this.logger = options.logger ?? createLogger(cfg.logLevel);
    this.configuredControlPlaneKey = parsePublicKey(cfg.controlPlane.publicKey);
    this.models =
      options.models ??
      new SdkModelClient({
        openaiBaseUrl: cfg.providers.openaiBaseUrl,
        anthropicBaseUrl: cfg.providers.anthropicBaseUrl,
        timeoutMs: cfg.model.timeoutMs,
        maxOutputTokens: cfg.model.maxOutputTokens,
      });
    // After a wipe the nonce table is gone; health and the repeated wipe (which answers with the
    // kept receipt) only read, so a replay there is harmless.
    const auth = new ControlPlaneAuth(
      () => [this.configuredControlPlaneKey],
      { remember: () => true },
      cfg.signatureWindowSeconds,
    );
    this.wiped = {
      status: { ...this.identity(), state: () => 'wiped', enrolled: () => false, configRevision: () => null },
      router: new Router(
        [...healthRoutes(() => this.status()), wipeRoute(cfg.nodeId, () => this.wipe())].map((r) => auth.protect(r)),
        nodeWiped,
      ),
    };
  }

  get internals(): NodeInternals {
    if (!this.run) throw new Error('node is not running (wiped?)');
    const { ctx, capabilities, heartbeat, router } = this.run;
    return {
      ...ctx,
      heartbeat,
      worker: capabilities.messaging.worker,
      jobs: capabilities.messaging.jobs,
      exports: capabilities.exports.service,
      retention: capabilities.retention.service,
      inbox: capabilities.inbox.service,
      webhooks: capabilities.webhooks,
      transcripts: capabilities.transcripts,
      routes: router.list(),
    };
  }

  async start(): Promise<{ port: number }> {
    mkdirSync(this.cfg.dataDir, { recursive: true, mode: 0o700 });
    if (readWipeReceipt(this.cfg.dataDir)) this.logger.warn('node was wiped; serving health only');
    else this.run = this.open();
    const server = createHttpServer(() => this.run?.router ?? this.wiped.router, this.logger);
    this.server = server;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.cfg.listen.port, this.cfg.listen.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const capabilities = this.run ? Object.values(this.run.capabilities).map((c) => c.name) : [];
    this.logger.info({ port, host: this.cfg.listen.host, state: this.state(), capabilities }, 'agent node listening');
    const publicUrl = new URL(this.cfg.publicBaseUrl);
    if (publicUrl.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(publicUrl.hostname)) {
      this.logger.warn(
        { publicBaseUrl: this.cfg.publicBaseUrl },
        'publicBaseUrl is not HTTPS: Telegram and Meta refuse such webhooks, and export links would travel in clear',
      );
    }

    if (this.run) {
      const list: Capability[] = Object.values(this.run.capabilities);
      for (const c of list) c.start?.();
      if (this.options.backgroundTasks !== false) {
        this.run.heartbeat.start();
        for (const c of list) c.schedule?.();
      }
    }
    return { port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    await this.shutdown();
  }

  state(): NodeState {
    if (!this.run) return 'wiped';
    return this.run.ctx.settings.get(SETTING.state) === 'suspended' ? 'suspended' : 'active';
  }

  private open(): Running {
    const { cfg, logger } = this;
    const db = openDatabase(databaseFile(cfg.dataDir));
    const keys = loadOrCreateNodeKeys(cfg.dataDir);
    const settings = new SettingsRepository(db);
    const ctx: NodeContext = {
      cfg,
      logger,
      db,
      transaction: (fn) => db.transaction(fn)(),
      keys,
      settings,
      secrets: new SecretRepository(db, keys.secretsKey),
      counters: new CountersRepository(db, settings),
      config: new ConfigRepository(db),
      conversations: new ConversationRepository(db),
      trustedKeys: new TrustedKeys(settings, this.configuredControlPlaneKey, logger),
      models: this.models,
      node: { state: () => this.state(), wipe: () => this.wipe() },
    };
    const capabilities = createCapabilities(ctx);
    const list: Capability[] = Object.values(capabilities);

    const client = new ControlPlaneClient(
      cfg.controlPlane.url,
      cfg.nodeId,
      keys.identityPrivateKey,
      cfg.controlPlane.requestTimeoutMs,
    );
    const enrolment = new Enrolment(
      settings,
      client,
      {
        protocolVersion: NODE_PROTOCOL_VERSION,
        nodeId: cfg.nodeId,
        enrolmentToken: cfg.controlPlane.enrolmentToken,
        publicKey: keys.identityPublicKeyPem,
        version: NODE_VERSION,
        publicBaseUrl: cfg.publicBaseUrl,
      },
      logger,
    );
    const status: Required<NodeStatus> = {
      ...this.identity(),
      state: () => this.state(),
      enrolled: () => enrolment.enrolled(),
      configRevision: () => configRevision(settings),
      checks: () => collectChecks(list, checkDatabase(db)),
    };
    const heartbeat = new HeartbeatService(
      { status, enrolment, client, capabilities: list, counters: ctx.counters, logger },
      cfg.heartbeatIntervalMs,
    );

    const auth = new ControlPlaneAuth(
      () => ctx.trustedKeys.list(),
      new NonceRepository(db),
      cfg.signatureWindowSeconds,
    );
    const sessions = new NodeSessionAuth(
      () => ctx.trustedKeys.list(),
      cfg.nodeId,
      () => settings.get(SETTING.dashboardOrigin),
    );
    const guards = new RouteGuards(auth, sessions);
    const router = new Router([
      ...healthRoutes(() => this.status()).map((r) => auth.protect(r)),
      ...guards.serve(
        list.flatMap((c) => c.routes?.() ?? []),
        (r) => this.whileRunning(r),
      ),
    ]);
    return { ctx, capabilities, heartbeat, status, router };
  }

  private identity() {
    return {
      nodeId: this.cfg.nodeId,
      version: NODE_VERSION,
      uptimeSeconds: () => Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  private status(): NodeStatus {
    return this.run?.status ?? this.wiped.status;
  }

  /** A request that reached a capability's route while the node was being wiped gets 410. */
  private whileRunning(route: Route): Route {
    return {
      ...route,
      handler: (ctx) => {
        if (!this.run) throw nodeWiped();
        return route.handler(ctx);
      },
    };
  }

  /** Stops the heartbeat and the capabilities (in reverse start order), then closes the database. */
  private async shutdown(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.heartbeat.stop();
    for (const c of Object.values<Capability>(run.capabilities).reverse()) await c.stop?.();
    run.ctx.db.close();
    this.run = undefined;
  }

  /** Wipes once; a repeated or concurrent wipe answers with the same receipt. */
  private wipe(): Promise<WipeReceipt> {
    if (this.wiping) return this.wiping;
    const kept = readWipeReceipt(this.cfg.dataDir);
    if (kept) return Promise.resolve(kept);
    if (!this.run) return Promise.reject(nodeWiped());
    const wiping = this.wipeNow().catch((error: unknown) => {
      this.wiping = undefined;
      throw error;
    });
    this.wiping = wiping;
    return wiping;
  }

  private async wipeNow(): Promise<WipeReceipt> {
    if (!this.run) throw nodeWiped();
    const counts = await collectWipeCounts(Object.values(this.run.capabilities));
    await this.shutdown();
    const receipt = wipeDataDirectory(this.cfg.dataDir, this.cfg.nodeId, counts);
    this.logger.warn(
      {
        conversationCount: counts.conversations,
        messageCount: counts.messages,
        secretCount: counts.secrets,
        exportCount: counts.exports,
        fileCount: receipt.deleted.files.length,
      },
      'node wiped',
    );
    return receipt;
  }
}
