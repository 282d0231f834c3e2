import type { WebhookDeliveryStatus, WebhookDeliveryView, WebhookEventType } from '@enclave/node-protocol';
import type { Db } from '../storage/database';

export interface DueDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly body: string;
  readonly attempts: number;
  readonly retryBase: number;
}

export interface AttemptResult {
  readonly at: number;
  readonly status: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

interface DeliveryRaw {
  id: string;
  endpointId: string;
  eventType: WebhookEventType;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  createdAt: number;
  seq: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const VIEW_COLUMNS = `id, endpoint_id AS endpointId, event_type AS eventType, status, attempts,
  next_attempt_at AS nextAttemptAt, last_attempt_at AS lastAttemptAt, last_status AS lastStatus,
  last_error AS lastError, last_duration_ms AS lastDurationMs, created_at AS createdAt, rowid AS seq`;

function toView(r: DeliveryRaw): WebhookDeliveryView & { seq: number } {
  return {
    id: r.id,
    endpointId: r.endpointId,
    eventType: r.eventType,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: iso(r.nextAttemptAt),
    lastAttemptAt: iso(r.lastAttemptAt),
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    lastDurationMs: r.lastDurationMs,
    createdAt: new Date(r.createdAt).toISOString(),
    seq: r.seq,
  };
}

/** The durable delivery queue and its log: one row per (event, endpoint), one attempt row per try. */
export class DeliveryRepository {
  constructor(private readonly db: Db) {}

  add(d: {
    id: string;
    endpointId: string;
    eventType: WebhookEventType;
    conversationId: string;
    messageId: number | null;
    body: string;
    at: number;
  }): void {
    this.db
      .prepare(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, conversation_id, message_id, body, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(d.id, d.endpointId, d.eventType, d.conversationId, d.messageId, d.body, d.at, d.at);
  }

  /** Pending deliveries due by `now`, oldest first, of endpoints still enabled. */
  due(now: number, limit: number, exclude: readonly string[]): DueDelivery[] {
    return this.db
      .prepare<[number, string, number], DueDelivery>(
        `SELECT d.id, d.endpoint_id AS endpointId, d.body, d.attempts, d.retry_base AS retryBase
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.body IS NOT NULL
            AND e.enabled = 1 AND e.node_disabled_at IS NULL
            AND d.id NOT IN (SELECT value FROM json_each(?))
          ORDER BY d.next_attempt_at, d.rowid LIMIT ?`,
      )
      .all(now, JSON.stringify(exclude), limit);
  }

  /** The earliest next attempt among pending deliveries (to sleep until then), or null. */
  nextDueAt(): number | null {
    const row = this.db
      .prepare<[], { at: number | null }>(
        "SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE status = 'pending' AND body IS NOT NULL",
      )
      .get();
    return row?.at ?? null;
  }

  /**
   * Records one attempt and what follows: delivered, pending again at `nextAt`, or failed.
   * Only a delivery still pending is touched (an erase or a disable meanwhile wins).
   */
  recordAttempt(id: string, r: AttemptResult, outcome: 'delivered' | 'failed' | { nextAt: number }): void {
    const attempt = this.db
      .prepare<[string], { attempts: number }>(
        "SELECT attempts FROM webhook_deliveries WHERE id = ? AND status = 'pending'",
      )
      .get(id);
    if (!attempt) return;
    const n = attempt.attempts + 1;
    this.db
      .prepare(
        'INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, n, r.at, r.status, r.error, r.durationMs);
    const status = typeof outcome === 'string' ? outcome : 'pending';
    const nextAt = typeof outcome === 'string' ? null : outcome.nextAt;
    this.db
      .prepare(
        `UPDATE webhook_deliveries SET attempts = ?, status = ?, next_attempt_at = ?, last_attempt_at = ?,
           last_status = ?, last_error = ?, last_duration_ms = ? WHERE id = ?`,
      )
      .run(n, status, nextAt, r.at, r.status, r.error, r.durationMs, id);
  }

  /**
   * Sends a delivery again from the start of the schedule, under the same `webhook-id` (a
   * receiver that already has it ignores it). False when it is unknown or its content was erased.
   */
  replay(id: string, now: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, retry_base = attempts
            WHERE id = ? AND body IS NOT NULL AND status <> 'pending'`,
        )
        .run(now, id).changes === 1
    );
  }

  get(id: string): (WebhookDeliveryView & { hasBody: boolean }) | undefined {
    const row = this.db
      .prepare<[string], DeliveryRaw & { hasBody: number }>(
        `SELECT ${VIEW_COLUMNS}, body IS NOT NULL AS hasBody FROM webhook_deliveries WHERE id = ?`,
      )
      .get(id);
    if (!row) return undefined;
    const { seq: _seq, ...view } = toView(row);
    return { ...view, hasBody: row.hasBody === 1 };
  }

  attempts(id: string): AttemptResult[] {
    return this.db
      .prepare<[string], AttemptResult>(
        'SELECT at, status, error, duration_ms AS durationMs FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt',
      )
      .all(id);
  }

  /** An endpoint's log, newest first, `limit` rows before the cursor (a row's `seq`). */
  log(endpointId: string, limit: number, before?: number): { deliveries: WebhookDeliveryView[]; next: number | null } {
    const rows = this.db
      .prepare<[string, number, number], DeliveryRaw>(
        `SELECT ${VIEW_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`,
      )
      .all(endpointId, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
      .map(toView);
    const page = rows.slice(0, limit);
    return {
      deliveries: page.map(({ seq: _seq, ...v }) => v),
      next: rows.length > limit ? page[page.length - 1].seq : null,
    };
  }

  counts(endpointId: string): Record<WebhookDeliveryStatus, number> {
    const counts: Record<WebhookDeliveryStatus, number> = {
      pending: 0,
      delivered: 0,
      failed: 0,
      erased: 0,
      cancelled: 0,
    };
    const rows = this.db
      .prepare<[string], { status: WebhookDeliveryStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? GROUP BY status',
      )
      .all(endpointId);
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** Finished deliveries older than `before` leave the log (pending ones stay until they finish). */
  prune(before: number): number {
    return this.db.prepare("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?").run(before)
      .changes;
  }
}
