import type { NodeLogger } from '../logging/logger';
import type { ChannelRow, ConfigRepository } from '../storage/config.repository';
import type { SecretRepository } from '../storage/secret.repository';
import { ChannelSendError, type LocalSender, type SendOutcome, type SendTextInput } from './channel-sender';
import type { TelegramClient } from './telegram.client';
import type { WhatsAppClient } from './whatsapp.client';
import { planSend, whenClosed, WINDOW_CLOSED_ERROR, type WindowPlan } from './whatsapp-window';

const MAX_TEXT = 4096;

/** Where each channel's webhook lives on the node's public base URL. */
export const WEBHOOK_PATHS = {
  telegram: (channelId: string) => `/webhooks/telegram/${channelId}`,
  whatsapp: (channelId: string) => `/webhooks/whatsapp/${channelId}`,
} as const;

/** Sends through the right provider and keeps provider-side registration (webhooks) in sync. */
export class ChannelGateway {
  private web: LocalSender | undefined;

  constructor(
    private readonly config: ConfigRepository,
    private readonly secrets: SecretRepository,
    private readonly telegram: TelegramClient,
    private readonly whatsapp: WhatsAppClient,
    private readonly publicBaseUrl: string,
    private readonly logger: NodeLogger,
  ) {}

  /**
   * Sends one outbound message, whoever wrote it, under the WhatsApp window rule
   * (`whatsapp-window.ts`): inside the window as written; outside it the channel's template or
   * nothing. A 131047 refusal (the API's own view of the window) takes the same way and is never
   * retried as if transient. Other failures throw `ChannelSendError`.
   */
  async send(channel: ChannelRow, input: SendTextInput, now = Date.now()): Promise<SendOutcome> {
    // The chat API answers requests; it has no way to push a message to its caller.
    if (channel.type === 'api') throw new ChannelSendError('api_cannot_push', false);
    if (channel.type === 'web') {
      if (!this.web) throw new ChannelSendError('widget_unavailable', false);
      return this.web.send(channel, input);
    }
    const plan = planSend(channel, input.window, now);
    if (plan.send !== 'text') return this.closed(channel, input, plan);
    try {
      return { status: 'sent', externalId: await this.sendText(channel, input) };
    } catch (err) {
      if (!(err instanceof ChannelSendError) || err.providerCode !== WINDOW_CLOSED_ERROR) throw err;
      this.logger.info({ channelId: channel.id, code: err.code }, 'whatsapp window closed by the API');
      return this.closed(channel, input, whenClosed(channel, input.window, now));
    }
  }

  /** The website widget delivers its channel's messages (widget/widget-delivery.ts). */
  serveWeb(sender: LocalSender): void {
    this.web = sender;
  }

  private async closed(channel: ChannelRow, input: SendTextInput, plan: WindowPlan): Promise<SendOutcome> {
    if (plan.send !== 'template') return { status: 'window_closed' };
    const { token, phoneNumberId } = this.whatsAppSender(channel);
    const externalId = await this.whatsapp.sendTemplate(token, phoneNumberId, input.externalChatId, plan.template);
    return { status: 'template_sent', externalId, template: plan.template };
  }

  private async sendText(channel: ChannelRow, original: SendTextInput): Promise<string> {
    // Both providers cap a text message at 4096 characters.
    const input =
      original.text.length > MAX_TEXT ? { ...original, text: `${original.text.slice(0, MAX_TEXT - 1)}…` } : original;
    if (channel.type === 'telegram') {
      const token = this.secrets.resolve('telegram_bot_token', channel.id);
      if (!token) throw new ChannelSendError('missing_bot_token', true);
      const replyTo =
        input.replyToExternalId && /^\d+$/.test(input.replyToExternalId) ? Number(input.replyToExternalId) : undefined;
      return this.telegram.sendText(token, input.externalChatId, input.text, replyTo);
    }
    const { token, phoneNumberId } = this.whatsAppSender(channel);
    return this.whatsapp.sendText(token, phoneNumberId, input.externalChatId, input.text, input.replyToExternalId);
  }

  private whatsAppSender(channel: ChannelRow): { token: string; phoneNumberId: string } {
    const token = this.secrets.resolve('whatsapp_access_token', channel.id);
    if (!token) throw new ChannelSendError('missing_access_token', true);
    if (!channel.settings.phoneNumberId) throw new ChannelSendError('missing_phone_number_id', false);
    return { token, phoneNumberId: channel.settings.phoneNumberId };
  }

  /**
   * Registers the webhook of every enabled Telegram channel that has a token and whose
   * webhook is not set yet (or `force`). WhatsApp webhooks are configured in Meta's
   * dashboard by the customer, so there is nothing to register for them.
   */
  async syncWebhooks(force = false): Promise<void> {
    for (const channel of this.config.listChannels()) {
      if (channel.type !== 'telegram') continue;
      const token = this.secrets.resolve('telegram_bot_token', channel.id);
      if (!token) continue;
      if (!channel.enabled) {
        if (channel.webhookState === 'set') await this.unregisterTelegram(channel, token);
        continue;
      }
      if (channel.webhookState === 'set' && !force) continue;
      const secret = this.config.ensureWebhookSecret(channel.id);
      try {
        await this.telegram.setWebhook(token, `${this.publicBaseUrl}${WEBHOOK_PATHS.telegram(channel.id)}`, secret);
        this.config.setWebhookState(channel.id, 'set');
        this.logger.info({ channelId: channel.id }, 'telegram webhook registered');
      } catch (err) {
        const code = err instanceof ChannelSendError ? err.code : 'unknown_error';
        this.config.setWebhookState(channel.id, 'error', code);
        this.logger.warn(
          { channelId: channel.id, code, detail: err instanceof ChannelSendError ? err.detail : undefined },
          'telegram webhook registration failed',
        );
      }
    }
  }

  /** Marks a channel's webhook to be registered again (e.g. after its token changed). */
  invalidate(channelId?: string): void {
    for (const c of this.config.listChannels())
      if (!channelId || c.id === channelId) this.config.setWebhookState(c.id, 'unset');
  }

  /**
   * A Telegram token of `scope` (a channel id or `default`) is being deleted: its channels'
   * webhooks count as not registered, so the next token registers them again.
   */
  forgetWebhooks(scope: string): void {
    for (const c of this.config.listChannels()) {
      if (c.type === 'telegram' && (scope === 'default' || c.id === scope) && c.webhookState === 'set')
        this.config.setWebhookState(c.id, 'unset');
    }
  }

  /** deleteWebhook for the given channels (those about to be removed from the config). */
  async unregisterChannels(channelIds: readonly string[]): Promise<void> {
    for (const channel of this.config.listChannels()) {
      if (channel.type !== 'telegram' || !channelIds.includes(channel.id) || channel.webhookState !== 'set') continue;
      const token = this.secrets.resolve('telegram_bot_token', channel.id);
      if (token) await this.unregisterTelegram(channel, token);
    }
  }

  /** deleteWebhook for every Telegram channel with a token; returns how many succeeded. */
  async unregisterAll(): Promise<number> {
    let n = 0;
    for (const channel of this.config.listChannels()) {
      if (channel.type !== 'telegram') continue;
      const token = this.secrets.resolve('telegram_bot_token', channel.id);
      if (token && (await this.unregisterTelegram(channel, token))) n++;
    }
    return n;
  }

  private async unregisterTelegram(channel: ChannelRow, token: string): Promise<boolean> {
    try {
      await this.telegram.deleteWebhook(token);
      this.config.setWebhookState(channel.id, 'deleted');
      return true;
    } catch (err) {
      this.logger.warn(
        { channelId: channel.id, code: err instanceof ChannelSendError ? err.code : 'unknown_error' },
        'telegram deleteWebhook failed',
      );
      return false;
    }
  }

  /** Health of each channel: configured, has credentials, webhook registered. */
  checks(): { channelId: string; type: ChannelRow['type']; ok: boolean; code?: string }[] {
    return this.config.listChannels().map((c) => {
      if (!c.enabled) return { channelId: c.id, type: c.type, ok: true, code: 'disabled' };
      if (c.type === 'api')
        return this.secrets.resolve('chat_api_key', c.id)
          ? { channelId: c.id, type: c.type, ok: true }
          : { channelId: c.id, type: c.type, ok: false, code: 'missing_key_hash' };
      if (c.type === 'web') return { channelId: c.id, type: c.type, ok: this.web !== undefined };
      if (c.type === 'telegram') {
        if (!this.secrets.resolve('telegram_bot_token', c.id))
          return { channelId: c.id, type: c.type, ok: false, code: 'missing_bot_token' };
        if (c.webhookState !== 'set')
          return { channelId: c.id, type: c.type, ok: false, code: c.webhookError ?? 'webhook_not_set' };
        return { channelId: c.id, type: c.type, ok: true };
      }
      if (!this.secrets.resolve('whatsapp_access_token', c.id))
        return { channelId: c.id, type: c.type, ok: false, code: 'missing_access_token' };
      if (!this.secrets.resolve('whatsapp_app_secret', c.id))
        return { channelId: c.id, type: c.type, ok: false, code: 'missing_app_secret' };
      return { channelId: c.id, type: c.type, ok: true };
    });
  }
}
