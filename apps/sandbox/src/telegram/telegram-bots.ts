import { recordNeedle } from '../at-rest-needles';
import { StandInTimers } from '../helpers';
import type { OutboundFetch } from '../edge/cloudflare-edge';
import { delivered, type DeliveryStatus, postWebhook } from '../webhook-post';

/** The bots the sandbox has seen (by token), and update delivery to their webhooks the way Telegram does it. */

export const TELEGRAM_TOKEN_SHAPE = /^\d+:[A-Za-z0-9_-]{30,}$/;

export interface Chat {
  id: number;
  type: 'private';
  first_name: string;
  username?: string;
}

export interface Webhook {
  url: string;
  secretToken?: string;
  allowedUpdates: string[];
  maxConnections: number;
}

export interface Delivery {
  updateId: number;
  attempt: number;
  status: DeliveryStatus;
  at: string;
}

/**
 * How the next sendMessage calls of a bot fail: an API error (`{ok:false, error_code, description}`)
 * or, with `drop`, the connection closed unanswered (what the client sees as a network error).
 */
export interface SendFailures {
  left: number;
  errorCode: number;
  description: string;
  drop: boolean;
}

export interface BotState {
  readonly token: string;
  readonly id: number;
  webhook?: Webhook;
  pending: Map<number, Record<string, unknown>>;
  updates: Map<number, Record<string, unknown>>;
  sent: Record<string, unknown>[];
  chatActions: { chat_id: unknown; action: string }[];
  deliveries: Delivery[];
  chats: Map<number, Chat>;
  nextMessageId: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
  sendFailures?: SendFailures;
}

export class TelegramBots {
  readonly revoked = new Set<string>();
  readonly timers = new StandInTimers();
  retryDelaysMs = [100, 300, 1_000, 3_000, 10_000];
  private readonly bots = new Map<string, BotState>();
  private nextUpdateIdValue = 100_000;

  /** `outbound` delivers webhooks (the sandbox passes its Cloudflare edge so node hostnames resolve). */
  constructor(private readonly outbound: OutboundFetch) {}

  /** The bot of a token, created on first use as Telegram knows every issued token. */
  bot(token: string): BotState {
    let b = this.bots.get(token);
    if (!b) {
      recordNeedle('secret', token);
      b = {
        token,
        id: Number(token.split(':')[0]),
        pending: new Map(),
        updates: new Map(),
        sent: [],
        chatActions: [],
        deliveries: [],
        chats: new Map(),
        nextMessageId: 1,
      };
      this.bots.set(token, b);
    }
    return b;
  }

  /** The bot of a token, only when it was seen already. */
  known(token: string): BotState | undefined {
    return this.bots.get(token);
  }

  nextUpdateId(): number {
    return this.nextUpdateIdValue++;
  }

  /** One attempt at an update; a failure is retried after the next delay, then given up. */
  async deliver(b: BotState, updateId: number, attempt: number): Promise<Delivery | undefined> {
    const update = b.updates.get(updateId);
    const hook = b.webhook;
    if (!update || !hook) return undefined;
    const headers: Record<string, string> = hook.secretToken
      ? { 'X-Telegram-Bot-Api-Secret-Token': hook.secretToken }
      : {};
    const status = await postWebhook(this.outbound, hook.url, headers, JSON.stringify(update));
    const d: Delivery = { updateId, attempt, status, at: new Date().toISOString() };
    b.deliveries.push(d);
    if (delivered(status)) {
      b.pending.delete(updateId);
      return d;
    }
    b.lastErrorDate = Math.floor(Date.now() / 1000);
    b.lastErrorMessage =
      status === 'network_error' ? 'Connection refused' : `Wrong response from the webhook: ${status}`;
    if (attempt < this.retryDelaysMs.length && b.webhook === hook) {
      this.timers.later(this.retryDelaysMs[attempt], () => void this.deliver(b, updateId, attempt + 1));
    } else {
      b.pending.delete(updateId); // Telegram gives up "after a reasonable amount of attempts"
    }
    return d;
  }
}
