import type { RequestContext, RouteResult } from '../http/http-server';
import type { InboxEventsRepository } from './inbox-events.repository';

/** How often an open stream looks for new events (one indexed read; nothing when idle). */
const POLL_MS = 250;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Browsers reconnect after this long (the SSE `retry` field). */
const RETRY_MS = 2_000;
const BATCH = 200;

/**
 * Server-Sent Events of the inbox. Event ids are the `inbox_events` sequence, so a dashboard
 * that reconnects with `Last-Event-ID` gets exactly what it missed, nothing twice; a fresh
 * connection starts at the newest event. The events name what changed, never its content:
 * the dashboard fetches the conversation over the same authenticated API.
 */
export class InboxEventStream {
  private readonly open = new Set<() => void>();

  constructor(private readonly events: InboxEventsRepository) {}

  serve(ctx: RequestContext): RouteResult {
    const { req, res } = ctx;
    const resumeFrom = Number(req.headers['last-event-id'] ?? ctx.url.searchParams.get('lastEventId') ?? NaN);
    let cursor = Number.isSafeInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : this.events.latest();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    const flush = () => {
      for (;;) {
        const batch = this.events.after(cursor, BATCH);
        for (const event of batch) {
          res.write(
            `id: ${event.seq}\ndata: ${JSON.stringify({ type: event.type, conversationId: event.conversationId })}\n\n`,
          );
          cursor = event.seq;
        }
        if (batch.length < BATCH) return;
      }
    };
    const poll = setInterval(flush, POLL_MS);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const close = () => {
      clearInterval(poll);
      clearInterval(keepalive);
      this.open.delete(close);
      res.end();
    };
    this.open.add(close);
    res.on('close', close);
    flush();
    return { handled: true };
  }

  /** Ends every open stream (the node stops or is wiped); browsers reconnect elsewhere or not at all. */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}
