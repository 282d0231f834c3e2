import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import {
  NODE_PROTOCOL_VERSION,
  parsePublicKey,
  publicKeyFingerprint,
  type ApplyConfigRequest,
  type EraseConversationRequest,
  type HealthResponse,
  type RequestExportResponse,
  type SecretKind,
  type SetTrustedKeysResponse,
  type WipeReceipt,
} from '@enclave/node-protocol';
import type { NodeConfig } from './config/node-config';
import { createLogger, type NodeLogger } from './logging/logger';
import { openDatabase, DATABASE_FILE, type Db } from './storage/database';
import { SettingsRepository, SETTING } from './storage/settings.repository';
import { CountersRepository } from './storage/counters.repository';
import { NonceRepository } from './storage/nonce.repository';
import { SecretRepository } from './storage/secret.repository';
import { ConfigRepository } from './storage/config.repository';
import { ConversationRepository } from './storage/conversation.repository';
import { ReplyJobRepository } from './storage/reply-job.repository';
import { loadOrCreateNodeKeys, type NodeKeys } from './keys/node-keys';
import { createHttpServer, type Route } from './http/http-server';
import { NodeError } from './http/node-error';
import { controlRoutes, type NodeOperations } from './control/control.routes';
import { webhookRoutes } from './channels/webhook.routes';
import { ChannelGateway } from './channels/channel.gateway';
import { TelegramClient } from './channels/telegram.client';
import { WhatsAppClient } from './channels/whatsapp.client';
import { SdkModelClient, type ModelClient } from './models/model-client';
import { ReplyWorker } from './messaging/reply.worker';
import { ExportService } from './exports/export.service';
import { RetentionService } from './retention/retention.service';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { ControlPlaneClient } from './heartbeat/control-plane.client';

/** The installed bundle's version (the bundle's launcher sets it); the package version when run from source. */
export const NODE_VERSION = process.env.ENCLAVE_NODE_VERSION ?? '0.1.0';
/** Left in the data directory after a wipe: the receipt, so the node keeps refusing work. */
export const WIPE_MARKER = 'wiped.json';

export interface NodeAppOptions {
  readonly logger?: NodeLogger;
  /** Replace the model client (unit tests); the real SDK client otherwise. */
  readonly models?: ModelClient;
  /** Skip background timers (heartbeat, retention, export sweeper) — tests drive them. */
  readonly backgroundTasks?: boolean;
}

interface Running {
  readonly db: Db;
  readonly keys: NodeKeys;
  readonly settings: SettingsRepository;
  readonly counters: CountersRepository;
  readonly nonces: NonceRepository;
  readonly secrets: SecretRepository;
  readonly config: ConfigRepository;
  readonly conversations: ConversationRepository;
  readonly jobs: ReplyJobRepository;
  readonly channels: ChannelGateway;
  readonly worker: ReplyWorker;
  readonly exports: ExportService;
  readonly retention: RetentionService;
  readonly heartbeat: HeartbeatService;
}

/** Everything the node is, wired by hand (no DI container: small, fast start). */
export class NodeApp implements NodeOperations {
  readonly logger: NodeLogger;
  private readonly startedAt = Date.now();
  private server: Server | undefined;
  private run: Running | undefined;
  private wipedReceipt: WipeReceipt | undefined;
  private readonly models: ModelClient;
  /** The key written in the config at install: trusted until the control plane sets others. */
  private readonly configuredControlPlaneKey: KeyObject;

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
  }

  /** Internals for tests and the CLI (never exposed over HTTP). */
  get internals(): Running {
    if (!this.run) throw new Error('node is not running (wiped?)');
    return this.run;
  }

  get dbFile(): string {
    return join(this.cfg.dataDir, DATABASE_FILE);
  }

  async start(): Promise<{ port: number }> {
    mkdirSync(this.cfg.dataDir, { recursive: true, mode: 0o700 });
    const marker = join(this.cfg.dataDir, WIPE_MARKER);
    if (existsSync(marker)) {
      this.wipedReceipt = JSON.parse(readFileSync(marker, 'utf8')) as WipeReceipt;
      this.logger.warn('node was wiped; serving health only');
    } else {
      this.run = this.open();
    }
    const routes: Route[] = [
      ...controlRoutes({
        ops: this,
        controlPlaneKeys: () => this.trustedControlPlaneKeys(),
        nonceStore: () => this.run?.nonces,
        windowSeconds: this.cfg.signatureWindowSeconds,
      }),
      ...webhookRoutes({
        repos: () => this.internals,
        logger: this.logger,
        state: () => this.state(),
        onStored: () => this.run?.worker.kick(),
      }),
      this.exportDownloadRoute(),
    ];
    this.server = createHttpServer(routes, this.logger);
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.cfg.listen.port, this.cfg.listen.host, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.logger.info({ port, host: this.cfg.listen.host, state: this.state() }, 'agent node listening');
    const publicUrl = new URL(this.cfg.publicBaseUrl);
    if (publicUrl.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(publicUrl.hostname)) {
      this.logger.warn(
        { publicBaseUrl: this.cfg.publicBaseUrl },
        'publicBaseUrl is not HTTPS: Telegram and Meta refuse such webhooks, and export links would travel in clear',
      );
    }

    if (this.run) {
      this.run.worker.setPaused(this.state() === 'suspended');
      this.run.worker.start();
      void this.run.channels.syncWebhooks().catch((err: unknown) => this.logger.error({ err }, 'webhook sync failed'));
      if (this.options.backgroundTasks !== false) {
        this.run.heartbeat.start();
        this.run.retention.start();
        this.run.exports.purgeExpired();
        this.run.exports.startSweeper();
      }
    }
    return { port };
  }

  private open(): Running {
    const db = openDatabase(this.dbFile);
    const keys = loadOrCreateNodeKeys(this.cfg.dataDir);
    const settings = new SettingsRepository(db);
    const counters = new CountersRepository(db);
    const nonces = new NonceRepository(db);
    const secrets = new SecretRepository(db, keys.secretsKey);
    const config = new ConfigRepository(db);
    const conversations = new ConversationRepository(db);
    const jobs = new ReplyJobRepository(db);
    const telegram = new TelegramClient(this.cfg.telegramApiRoot, Math.ceil(this.cfg.model.timeoutMs / 1000));
    const whatsapp = new WhatsAppClient(this.cfg.whatsapp.graphApiBaseUrl, this.cfg.whatsapp.graphApiVersion);
    const channels = new ChannelGateway(config, secrets, telegram, whatsapp, this.cfg.publicBaseUrl, this.logger);
    const worker = new ReplyWorker(
      jobs,
      conversations,
      config,
      secrets,
      counters,
      this.models,
      channels,
      {
        maxModelAttempts: this.cfg.model.maxAttempts,
        modelBackoffBaseMs: this.cfg.model.backoffBaseMs,
        historyCharBudget: this.cfg.model.historyCharBudget,
        historyMaxMessages: this.cfg.model.historyMaxMessages,
        maxSendAttempts: this.cfg.delivery.maxSendAttempts,
        sendBackoffBaseMs: this.cfg.delivery.sendBackoffBaseMs,
        concurrency: this.cfg.delivery.concurrency,
      },
      this.logger,
    );
    const exports = new ExportService(
      db,
      this.dbFile,
      this.cfg.dataDir,
      keys.exportLinkKey,
      this.cfg.publicBaseUrl,
      this.logger,
    );
    const retention = new RetentionService(
      db,
      settings,
      counters,
      this.cfg.retention.defaultDays,
      this.cfg.retention.purgeHourUtc,
      this.logger,
    );
    const heartbeat = new HeartbeatService(
      {
        db,
        nodeId: this.cfg.nodeId,
        version: NODE_VERSION,
        publicBaseUrl: this.cfg.publicBaseUrl,
        enrolmentToken: this.cfg.controlPlane.enrolmentToken,
        publicKeyPem: keys.identityPublicKeyPem,
        settings,
        counters,
        config,
        secrets,
        channels,
        models: this.models,
        retention,
        client: new ControlPlaneClient(
          this.cfg.controlPlane.url,
          this.cfg.nodeId,
          keys.identityPrivateKey,
          this.cfg.controlPlane.requestTimeoutMs,
        ),
        logger: this.logger,
        state: () => this.state(),
        startedAt: this.startedAt,
      },
      this.cfg.heartbeatIntervalMs,
    );
    if (!settings.get(SETTING.countersSince)) settings.set(SETTING.countersSince, new Date().toISOString());
    return {
      db,
      keys,
      settings,
      counters,
      nonces,
      secrets,
      config,
      conversations,
      jobs,
      channels,
      worker,
      exports,
      retention,
      heartbeat,
    };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    await this.shutdownRunning();
  }

  private async shutdownRunning(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.heartbeat.stop();
    run.retention.stop();
    run.exports.stop();
    await run.worker.stop();
    run.db.close();
    this.run = undefined;
  }

  // --- NodeOperations -------------------------------------------------------

  state(): 'active' | 'suspended' | 'wiped' {
    if (this.wipedReceipt || !this.run) return 'wiped';
    return this.run.settings.get(SETTING.state) === 'suspended' ? 'suspended' : 'active';
  }

  async health(detailed: boolean): Promise<HealthResponse> {
    const base: HealthResponse = {
      protocolVersion: NODE_PROTOCOL_VERSION,
      nodeId: this.cfg.nodeId,
      version: NODE_VERSION,
      state: this.state(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      enrolled: this.run ? this.run.heartbeat.enrolled() : false,
      configRevision: this.run?.settings.get(SETTING.configRevision)
        ? Number(this.run.settings.get(SETTING.configRevision))
        : null,
    };
    if (!detailed || !this.run) return base;
    return { ...base, checks: await this.run.heartbeat.checks() };
  }

  async applyConfig(cfg: ApplyConfigRequest): Promise<{ revision: number; appliedAt: string }> {
    const run = this.internals;
    const current = run.settings.get(SETTING.configRevision);
    if (current !== undefined && cfg.revision < Number(current)) {
      throw new NodeError('stale_config', `revision ${cfg.revision} is older than the applied revision ${current}`, {
        appliedRevision: Number(current),
      });
    }
    // Channels and agents that disappear: unregister their webhooks, drop their own secrets.
    const keepIds = new Set([...cfg.agents.map((a) => a.id), ...cfg.channels.map((c) => c.id)]);
    const removed = [...run.config.listAgents().map((a) => a.id), ...run.config.listChannels().map((c) => c.id)].filter(
      (id) => !keepIds.has(id),
    );
    await run.channels.unregisterChannels(removed);
    run.conversations.transaction(() => {
      run.config.apply(cfg);
      run.settings.set(SETTING.configRevision, String(cfg.revision));
      for (const scope of removed) run.secrets.deleteScope(scope);
    });
    this.logger.info(
      { revision: cfg.revision, agents: cfg.agents.length, channels: cfg.channels.length },
      'config applied',
    );
    await run.channels.syncWebhooks();
    run.worker.kick();
    return { revision: cfg.revision, appliedAt: new Date().toISOString() };
  }

  async putSecret(kind: SecretKind, scope: string, value: string): Promise<void> {
    const run = this.internals;
    run.secrets.put(kind, scope, value);
    this.logger.info({ kind, scope }, 'secret stored');
    if (kind === 'telegram_bot_token') {
      run.channels.invalidate(scope === 'default' ? undefined : scope);
      await run.channels.syncWebhooks();
    }
    run.worker.kick();
  }

  async deleteSecret(kind: SecretKind, scope: string): Promise<boolean> {
    const run = this.internals;
    if (kind === 'telegram_bot_token') {
      // Unregister the webhook while we still hold the token.
      for (const c of run.config.listChannels()) {
        if (c.type === 'telegram' && (scope === 'default' || c.id === scope) && c.webhookState === 'set') {
          run.config.setWebhookState(c.id, 'unset');
        }
      }
    }
    const deleted = run.secrets.delete(kind, scope);
    this.logger.info({ kind, scope, deleted }, 'secret deleted');
    return deleted;
  }

  /** The control-plane keys whose signatures this node accepts. */
  trustedControlPlaneKeys(): readonly KeyObject[] {
    const stored = this.run?.settings.get(SETTING.trustedControlPlaneKeys);
    return stored
      ? (JSON.parse(stored) as string[]).map((pem) => parsePublicKey(pem))
      : [this.configuredControlPlaneKey];
  }

  setTrustedKeys(publicKeys: readonly KeyObject[], signer: KeyObject): SetTrustedKeysResponse {
    const fingerprints = publicKeys.map((key) => publicKeyFingerprint(key));
    // The set must keep the key that signed this request: a control plane that sent only keys
    // it does not hold would lock itself out of the node for good.
    if (!fingerprints.includes(publicKeyFingerprint(signer))) {
      throw new NodeError('validation_failed', 'the key that signed this request must stay trusted', {
        field: 'publicKeys',
      });
    }
    const pems = publicKeys.map((key) => key.export({ type: 'spki', format: 'pem' }).toString());
    this.internals.settings.set(SETTING.trustedControlPlaneKeys, JSON.stringify(pems));
    this.logger.warn({ fingerprints }, 'trusted control-plane keys replaced');
    return { fingerprints, updatedAt: new Date().toISOString() };
  }

  setRetention(days: number): void {
    this.internals.retention.setDays(days);
    this.logger.info({ days }, 'retention window set');
  }

  suspend(): void {
    const run = this.internals;
    run.settings.set(SETTING.state, 'suspended');
    run.worker.setPaused(true);
    this.logger.warn('node suspended: messages are stored, not answered');
  }

  resume(): void {
    const run = this.internals;
    run.settings.set(SETTING.state, 'active');
    run.worker.setPaused(false);
    this.logger.info('node resumed');
  }

  requestExport(ttlSeconds?: number): Promise<RequestExportResponse> {
    return this.internals.exports.create(ttlSeconds ?? this.cfg.exports.defaultTtlSeconds);
  }

  eraseConversation(req: EraseConversationRequest): { erased: boolean; messages: number } {
    const run = this.internals;
    const conversation =
      'conversationId' in req
        ? run.conversations.getConversation(req.conversationId)
        : run.conversations.findConversation(req.channelId, req.externalChatId);
    if (!conversation) return { erased: false, messages: 0 };
    const result = run.conversations.eraseConversation(conversation.id);
    this.logger.info({ messageCount: result.messages }, 'conversation erased');
    return result;
  }

  async wipe(confirmNodeId: string): Promise<WipeReceipt> {
    if (confirmNodeId !== this.cfg.nodeId)
      throw new NodeError('validation_failed', 'confirmNodeId does not match this node', { field: 'confirmNodeId' });
    const run = this.internals;
    run.worker.setPaused(true);
    const webhooksUnregistered = await run.channels.unregisterAll();
    const { conversations, messages } = run.conversations.counts();
    const secrets = run.secrets.count();
    const exports = run.exports.count();
    await this.shutdownRunning();

    const dataDir = this.cfg.dataDir;
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(relative(dataDir, p));
      }
    };
    walk(dataDir);
    for (const name of readdirSync(dataDir)) rmSync(join(dataDir, name), { recursive: true, force: true });

    const unsigned = {
      nodeId: this.cfg.nodeId,
      wipedAt: new Date().toISOString(),
      deleted: { conversations, messages, secrets, exports, webhooksUnregistered, files: files.sort() },
      remaining: [WIPE_MARKER],
    };
    const receipt: WipeReceipt = {
      ...unsigned,
      sha256: createHash('sha256').update(JSON.stringify(unsigned)).digest('hex'),
    };
    writeFileSync(join(dataDir, WIPE_MARKER), JSON.stringify(receipt, null, 2), { mode: 0o600 });
    this.wipedReceipt = receipt;
    this.logger.warn(
      {
        conversationCount: conversations,
        messageCount: messages,
        secretCount: secrets,
        exportCount: exports,
        fileCount: files.length,
      },
      'node wiped',
    );
    return receipt;
  }

  // --- export download ------------------------------------------------------

  private exportDownloadRoute(): Route {
    return {
      method: 'GET',
      path: '/exports/:exportId/:file',
      bodyLimit: 0,
      handler: (ctx) => {
        if (this.state() === 'wiped') throw new NodeError('node_wiped', 'this node has been wiped');
        const check = this.internals.exports.checkLink(
          ctx.url.pathname,
          ctx.url.searchParams.get('expires'),
          ctx.url.searchParams.get('signature'),
        );
        if (!check.ok)
          throw new NodeError(
            check.code,
            check.code === 'link_expired' ? 'this export link has expired' : 'invalid export link',
          );
        const { stream, size } = this.internals.exports.openArchive(check.file);
        ctx.res.writeHead(200, {
          'content-type': 'application/gzip',
          'content-length': size,
          'content-disposition': 'attachment; filename="enclave-export.tar.gz"',
          'cache-control': 'no-store',
        });
        stream.pipe(ctx.res);
        return { handled: true };
      },
    };
  }
}
