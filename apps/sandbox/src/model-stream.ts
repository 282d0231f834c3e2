import type { Response } from 'express';
import type { StandInTimers } from './helpers';

/** One server-sent event as the model providers write them: an optional `event:` line and one `data:` line. */
export interface SseEvent {
  readonly event?: string;
  /** JSON-encoded unless it is a string (OpenAI's final `[DONE]`). */
  readonly data: unknown;
}

/** How a streamed reply ended, as the stand-ins record it for tests. */
export interface StreamRecord {
  outcome: 'streaming' | 'complete' | 'client_closed';
  eventsSent: number;
  readonly eventsPlanned: number;
}

/** Splits a reply into word-sized fragments (each keeps the whitespace after it), the way models stream tokens. */
export function textChunks(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

/** Splits a tool call's JSON arguments into a few fragments, as providers stream them. */
export function jsonChunks(json: string, parts = 3): string[] {
  const size = Math.max(1, Math.ceil(json.length / parts));
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

/**
 * Writes `events` as `text/event-stream`, pausing `delayMs` between two events, and stops as soon
 * as the client goes away (what a provider does when the caller aborts). `record` follows progress.
 */
export async function writeSse(
  res: Response,
  events: readonly SseEvent[],
  delayMs: number,
  timers: StandInTimers,
  record: StreamRecord,
): Promise<void> {
  let closed = false;
  res.on('close', () => {
    if (!res.writableFinished) closed = true;
  });
  res.status(200);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.flushHeaders();
  for (const [i, e] of events.entries()) {
    if (i > 0) await timers.wait(delayMs);
    if (closed || res.destroyed) {
      record.outcome = 'client_closed';
      return;
    }
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
    record.eventsSent = i + 1;
  }
  record.outcome = 'complete';
  res.end();
}
