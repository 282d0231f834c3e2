import { createHash } from 'node:crypto';
import { NODE_ERROR, NodeError } from '../http/node-error';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Above this many tracked keys the oldest windows are dropped (bounded memory under a flood). */
const MAX_KEYS = 50_000;

/** Counts per key in a fixed window; memory only (a restart forgives, which is the safe side). */
class WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly windowMs: number) {}

  /** Counts one more for `key` unless `limit` is reached; returns the seconds to wait when it is. */
  take(key: string, limit: number, now: number): number | undefined {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size >= MAX_KEYS) this.prune(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= limit) return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    w.count++;
    return undefined;
  }

  private prune(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
    while (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value as string);
  }
}

/**
 * The widget's limits: messages per minute per visitor IP and per conversation, conversations
 * per IP per day. IPs are kept as salted hashes in memory only, never stored or logged.
 */
export class WidgetLimits {
  private readonly perIp = new WindowCounter(MINUTE);
  private readonly perConversation = new WindowCounter(MINUTE);
  private readonly conversationsPerIp = new WindowCounter(DAY);
  private readonly salt = String(Math.random());

  messageAllowed(ip: string, conversationId: string, perMinute: number, now = Date.now()): void {
    const key = this.ipKey(ip);
    refuse(this.perConversation.take(conversationId, perMinute, now), 'messages in this conversation');
    refuse(this.perIp.take(key, perMinute * 3, now), 'messages from this address');
  }

  conversationAllowed(ip: string, perDay: number, now = Date.now()): void {
    refuse(this.conversationsPerIp.take(this.ipKey(ip), perDay, now), 'new conversations from this address');
  }

  private ipKey(ip: string): string {
    return createHash('sha256').update(this.salt).update(ip).digest('base64url');
  }
}

function refuse(retryAfter: number | undefined, what: string): void {
  if (retryAfter !== undefined)
    throw new NodeError(NODE_ERROR.rateLimited, `too many ${what}; try again in ${retryAfter} s`, { retryAfter });
}
