import type { ApplyConfigRequest, SecretKind } from '@enclave/node-protocol';
import type { ChannelGateway } from '../channels/channel.gateway';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { NodeLogger } from '../logging/logger';
import type { ReplyWorker } from '../messaging/reply.worker';
import type { ConfigRepository } from '../storage/config.repository';
import type { Transaction } from '../storage/database';
import type { SecretRepository } from '../storage/secret.repository';
import { configRevision, SETTING, type SettingsRepository } from '../storage/settings.repository';

export type ChannelRegistrations = Pick<
  ChannelGateway,
  'unregisterChannels' | 'syncWebhooks' | 'invalidate' | 'forgetWebhooks'
>;
export type ReplyQueue = Pick<ReplyWorker, 'kick' | 'setPaused'>;
/** A capability's part of applying a config, run inside its transaction (webhook endpoints, transcript settings). */
export type ConfigListener = (cfg: ApplyConfigRequest) => void;

/** What the control plane changes on a node: its config, its secrets, suspension. */
export class ControlService {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly config: ConfigRepository,
    private readonly secrets: SecretRepository,
    private readonly transaction: Transaction,
    private readonly channels: ChannelRegistrations,
    private readonly replies: ReplyQueue,
    private readonly logger: NodeLogger,
    private readonly configured: readonly ConfigListener[] = [],
  ) {}

  async applyConfig(cfg: ApplyConfigRequest): Promise<{ revision: number; appliedAt: string }> {
    const current = configRevision(this.settings);
    if (current !== null && cfg.revision < current) {
      throw new NodeError(
        NODE_ERROR.staleConfig,
        `revision ${cfg.revision} is older than the applied revision ${current}`,
        { appliedRevision: current },
      );
    }
    // Channels and agents that disappear: unregister their webhooks, drop their own secrets.
    const keepIds = new Set([...cfg.agents.map((a) => a.id), ...cfg.channels.map((c) => c.id)]);
    const removed = [
      ...this.config.listAgents().map((a) => a.id),
      ...this.config.listChannels().map((c) => c.id),
    ].filter((id) => !keepIds.has(id));
    await this.channels.unregisterChannels(removed);
    this.transaction(() => {
      this.config.apply(cfg);
      this.settings.set(SETTING.configRevision, String(cfg.revision));
      if (cfg.dashboardOrigin) this.settings.set(SETTING.dashboardOrigin, new URL(cfg.dashboardOrigin).origin);
      for (const scope of removed) this.secrets.deleteScope(scope);
      for (const listener of this.configured) listener(cfg);
    });
    this.logger.info(
      { revision: cfg.revision, agents: cfg.agents.length, channels: cfg.channels.length },
      'config applied',
    );
    await this.channels.syncWebhooks();
    this.replies.kick();
    return { revision: cfg.revision, appliedAt: new Date().toISOString() };
  }

  async putSecret(kind: SecretKind, scope: string, value: string): Promise<void> {
    this.secrets.put(kind, scope, value);
    this.logger.info({ kind, scope }, 'secret stored');
    if (kind === 'telegram_bot_token') {
      this.channels.invalidate(scope === 'default' ? undefined : scope);
      await this.channels.syncWebhooks();
    }
    this.replies.kick();
  }

  deleteSecret(kind: SecretKind, scope: string): boolean {
    if (kind === 'telegram_bot_token') this.channels.forgetWebhooks(scope);
    const deleted = this.secrets.delete(kind, scope);
    this.logger.info({ kind, scope, deleted }, 'secret deleted');
    return deleted;
  }

  suspend(): void {
    this.settings.set(SETTING.state, 'suspended');
    this.replies.setPaused(true);
    this.logger.warn('node suspended: messages are stored, not answered');
  }

  resume(): void {
    this.settings.set(SETTING.state, 'active');
    this.replies.setPaused(false);
    this.logger.info('node resumed');
  }
}
