import type { Capability, NodeContext } from '../capability';
import { COUNTER, counted, type CounterSnapshot } from '../storage/counters.repository';
import { durableTransaction } from '../storage/database';
import { SETTING } from '../storage/settings.repository';
import { ChannelGateway } from './channel.gateway';
import { InboundStore } from './inbound-store';
import { TelegramClient } from './telegram.client';
import { webhookRoutes } from './webhook.routes';
import { WhatsAppClient } from './whatsapp.client';

/** Telegram and WhatsApp: webhooks in, sends out, webhook registration with the providers. */
export class ChannelsCapability implements Capability {
  readonly name = 'channels';
  readonly gateway: ChannelGateway;
  readonly inbound: InboundStore;

  constructor(private readonly ctx: NodeContext) {
    const { cfg } = ctx;
    const telegram = new TelegramClient(cfg.telegramApiRoot, Math.ceil(cfg.model.timeoutMs / 1000));
    const whatsapp = new WhatsAppClient(cfg.whatsapp.graphApiBaseUrl, cfg.whatsapp.graphApiVersion);
    this.gateway = new ChannelGateway(ctx.config, ctx.secrets, telegram, whatsapp, cfg.publicBaseUrl, ctx.logger);
    // The commit that a webhook's 2xx acknowledges is the one that must survive a power loss.
    this.inbound = new InboundStore(ctx.conversations, ctx.counters, ctx.settings, durableTransaction(ctx.db), () =>
      ctx.node.state(),
    );
  }

  routes() {
    const { config, secrets, conversations, counters } = this.ctx;
    return webhookRoutes({ config, secrets, conversations, counters, inbound: this.inbound });
  }

  start(): void {
    void this.gateway.syncWebhooks().catch((err: unknown) => this.ctx.logger.error({ err }, 'webhook sync failed'));
  }

  checks() {
    return { channels: this.gateway.checks() };
  }

  async heartbeat(counters: CounterSnapshot) {
    // Webhooks that failed to register (provider down, bad token) are retried with every beat.
    await this.gateway.syncWebhooks();
    const traffic = (channel: 'telegram' | 'whatsapp' | 'web') => ({
      inbound: counted(counters, COUNTER.inbound(channel)),
      outbound: counted(counters, COUNTER.outbound(channel)),
      failures: counted(counters, COUNTER.failures(channel)),
    });
    return {
      counters: {
        channels: {
          telegram: traffic('telegram'),
          whatsapp: { ...traffic('whatsapp'), windowClosed: counted(counters, COUNTER.windowClosed('whatsapp')) },
          web: traffic('web'),
        },
      },
      activeChannelIds: this.ctx.config
        .listChannels()
        .filter((ch) => ch.enabled)
        .map((ch) => ch.id),
      lastActivityAt: this.ctx.settings.get(SETTING.lastActivityAt) ?? null,
    };
  }

  async wipe() {
    return { webhooksUnregistered: await this.gateway.unregisterAll() };
  }
}
