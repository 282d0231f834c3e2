import type { Api } from 'grammy';
import { ChannelSendError } from './channel-sender';

/**
 * Telegram Bot API through grammY. `apiRoot` points at api.telegram.org in production and
 * at the sandbox in tests. grammY is loaded lazily (start-up time, idle memory).
 */
export class TelegramClient {
  private readonly apis = new Map<string, Api>();

  constructor(
    private readonly apiRoot: string,
    private readonly timeoutSeconds = 30,
  ) {}

  api(token: string): Api {
    let api = this.apis.get(token);
    if (!api) {
      const { Bot } = require('grammy') as typeof import('grammy');
      // grammY's default transport (node-fetch over node:http), not Node's global fetch: undici
      // costs ~17 MB of resident memory on a node that is otherwise idle. node-fetch checks the
      // AbortSignal's class name, which is why the bundle keeps names (agent-node/build/bundle.ts).
      api = new Bot(token, { client: { apiRoot: this.apiRoot, timeoutSeconds: this.timeoutSeconds } }).api;
      this.apis.set(token, api);
    }
    return api;
  }

  async setWebhook(token: string, url: string, secretToken: string): Promise<void> {
    await this.call(() =>
      this.api(token).setWebhook(url, { secret_token: secretToken, allowed_updates: ['message'], max_connections: 10 }),
    );
  }

  async deleteWebhook(token: string): Promise<void> {
    await this.call(() => this.api(token).deleteWebhook({ drop_pending_updates: true }));
  }

  async sendText(token: string, chatId: string, text: string, replyToMessageId?: number): Promise<string> {
    const msg = await this.call(() =>
      this.api(token).sendMessage(
        chatId,
        text,
        replyToMessageId
          ? { reply_parameters: { message_id: replyToMessageId, allow_sending_without_reply: true } }
          : {},
      ),
    );
    return String(msg.message_id);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { error_code?: number; name?: string };
      if (typeof e.error_code === 'number') {
        throw new ChannelSendError(`telegram_${e.error_code}`, e.error_code === 429 || e.error_code >= 500);
      }
      const cause = (err as { error?: unknown }).error;
      const detail =
        err instanceof Error
          ? `${err.name}: ${err.message}${cause instanceof Error ? ` (${cause.name}: ${cause.message})` : ''}`
          : undefined;
      throw new ChannelSendError('telegram_network_error', true, detail);
    }
  }
}
