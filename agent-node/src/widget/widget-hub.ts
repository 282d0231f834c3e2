import type { ServerResponse } from 'node:http';
import type { WidgetEvent, WidgetRepository } from './widget.repository';

/** A comment line every so often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 20_000;
/** How long a long-poll waits for an event before answering empty. */
export const LONG_POLL_MS = 25_000;

interface Stream {
  readonly res: ServerResponse;
  lastId: number;
}

interface Poller {
  readonly wake: () => void;
}

const sseEvent = (e: WidgetEvent) => `id: ${e.id}\nevent: message\ndata: ${JSON.stringify(e)}\n\n`;

/**
 * The open widget connections by conversation: SSE streams (the stored events from their last id,
 * then live: stored events and reply deltas) and long-polls waiting for the next event. Stored
 * events carry their monotonic id; deltas carry none, so `Last-Event-ID` always names a stored
 * event and a reconnect replays exactly what was missed. One timer serves every stream.
 */
export class WidgetHub {
  private readonly streams = new Map<string, Set<Stream>>();
  private readonly pollers = new Map<string, Set<Poller>>();
  private keepalive: NodeJS.Timeout | undefined;

  constructor(private readonly repo: WidgetRepository) {}

  /** Serves an SSE stream from `afterId` until the client goes. */
  openStream(conversationId: string, res: ServerResponse, afterId: number): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    const stream: Stream = { res, lastId: afterId };
    this.flush(conversationId, stream);
    let set = this.streams.get(conversationId);
    if (!set) this.streams.set(conversationId, (set = new Set()));
    set.add(stream);
    res.on('close', () => {
      set.delete(stream);
      if (set.size === 0 && this.streams.get(conversationId) === set) this.streams.delete(conversationId);
    });
    this.ensureKeepalive();
  }

  /** Long-poll: the events after `afterId`, waiting up to `waitMs` for the first one. */
  async poll(conversationId: string, afterId: number, waitMs = LONG_POLL_MS, gone?: Promise<void>) {
    const now = this.repo.events(conversationId, afterId);
    if (now.length > 0) return now;
    await new Promise<void>((resolve) => {
      const poller: Poller = { wake: () => done() };
      let set = this.pollers.get(conversationId);
      if (!set) this.pollers.set(conversationId, (set = new Set()));
      set.add(poller);
      const timer = setTimeout(() => done(), waitMs);
      const done = () => {
        clearTimeout(timer);
        set.delete(poller);
        if (set.size === 0 && this.pollers.get(conversationId) === set) this.pollers.delete(conversationId);
        resolve();
      };
      void gone?.then(done);
    });
    return this.repo.events(conversationId, afterId);
  }

  /** New stored events for a conversation: every open stream sends what it has not sent yet. */
  publish(conversationId: string): void {
    for (const stream of this.streams.get(conversationId) ?? []) this.flush(conversationId, stream);
    for (const poller of this.pollers.get(conversationId) ?? []) poller.wake();
  }

  /** A fragment of the reply being written to `replyTo` (live only; the stored reply follows). */
  delta(conversationId: string, replyTo: number, text: string): void {
    const line = `event: delta\ndata: ${JSON.stringify({ replyTo, text })}\n\n`;
    for (const stream of this.streams.get(conversationId) ?? []) stream.res.write(line);
  }

  /** Open SSE streams (for the benchmark and health). */
  openStreams(): number {
    let n = 0;
    for (const set of this.streams.values()) n += set.size;
    return n;
  }

  /** Ends every stream (node stopping): clients reconnect with their last id. */
  closeAll(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
    for (const set of this.streams.values()) for (const s of set) s.res.end();
    this.streams.clear();
    for (const set of this.pollers.values()) for (const p of set) p.wake();
  }

  private flush(conversationId: string, stream: Stream): void {
    for (;;) {
      const events = this.repo.events(conversationId, stream.lastId);
      if (events.length === 0) return;
      stream.res.write(events.map(sseEvent).join(''));
      stream.lastId = events[events.length - 1].id;
    }
  }

  private ensureKeepalive(): void {
    if (this.keepalive) return;
    this.keepalive = setInterval(() => {
      if (this.streams.size === 0) {
        clearInterval(this.keepalive);
        this.keepalive = undefined;
        return;
      }
      for (const set of this.streams.values()) for (const s of set) s.res.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }
}
