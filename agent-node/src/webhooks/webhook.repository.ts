import type { WebhookEndpointConfig, WebhookEventType } from '@enclave/node-protocol';
import type { Db } from '../storage/database';

export interface EndpointRow {
  readonly id: string;
  readonly url: string;
  readonly events: WebhookEventType[];
  readonly enabled: boolean;
  readonly updatedAt: string;
  readonly nodeDisabledAt: number | null;
  readonly nodeDisabledReason: string | null;
}

/** A trigger-written event with what its payload is built from (content stays on the node until sent). */
export interface EventRow {
  readonly id: number;
  readonly type: WebhookEventType;
  readonly conversationId: string;
  readonly messageId: number | null;
  readonly data: string | null;
  readonly at: number;
}

export interface ConversationFacts {
  readonly id: string;
  readonly channelId: string;
  readonly channelType: string;
  readonly status: string;
  readonly handler: string;
  readonly contactName: string | null;
  readonly contactHandle: string | null;
  readonly createdAt: number;
}

export interface MessageFacts {
  readonly id: number;
  readonly direction: 'in' | 'out';
  readonly kind: string;
  readonly text: string | null;
  readonly authorId: string | null;
  readonly createdAt: number;
}

export interface WebhookNoticeRow {
  readonly id: number;
  readonly type: 'endpoint_disabled';
  readonly endpointId: string;
  readonly status: number | null;
  readonly at: number;
}

interface RawEndpoint extends Omit<EndpointRow, 'events' | 'enabled'> {
  events: string;
  enabled: number;
}

const ENDPOINT_COLUMNS = `id, url, events, enabled, updated_at AS updatedAt, node_disabled_at AS nodeDisabledAt,
  node_disabled_reason AS nodeDisabledReason`;
const toEndpoint = (r: RawEndpoint): EndpointRow => ({
  ...r,
  events: JSON.parse(r.events) as WebhookEventType[],
  enabled: r.enabled === 1,
});

/** Bound on one heartbeat's notices; the rest ride on the next beats. */
const NOTICES_PER_BEAT = 100;

/** Endpoints as configured, the trigger-written events, and the notices for the control plane. */
export class WebhookRepository {
  constructor(private readonly db: Db) {}

  /**
   * Replaces the endpoints with the configured ones (in the caller's transaction); an endpoint
   * the node disabled stays disabled unless the control plane sent it edited. Returns the ids
   * that disappeared (their secrets go too).
   */
  sync(endpoints: readonly WebhookEndpointConfig[]): string[] {
    const keep = new Set(endpoints.map((e) => e.id));
    const removed = this.endpoints()
      .map((e) => e.id)
      .filter((id) => !keep.has(id));
    for (const id of removed) {
      this.db.prepare('DELETE FROM webhook_endpoints WHERE id = ?').run(id);
      this.db
        .prepare(
          "UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = 'endpoint_removed' WHERE endpoint_id = ? AND status = 'pending'",
        )
        .run(id);
    }
    const upsert = this.db.prepare(
      `INSERT INTO webhook_endpoints (id, url, events, enabled, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events, enabled = excluded.enabled,
         node_disabled_at = CASE WHEN updated_at = excluded.updated_at THEN node_disabled_at END,
         node_disabled_reason = CASE WHEN updated_at = excluded.updated_at THEN node_disabled_reason END,
         updated_at = excluded.updated_at`,
    );
    for (const e of endpoints) upsert.run(e.id, e.url, JSON.stringify(e.events), e.enabled ? 1 : 0, e.updatedAt);
    return removed;
  }

  endpoints(): EndpointRow[] {
    return this.db
      .prepare<[], RawEndpoint>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY id`)
      .all()
      .map(toEndpoint);
  }

  endpoint(id: string): EndpointRow | undefined {
    const row = this.db
      .prepare<[string], RawEndpoint>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?`)
      .get(id);
    return row ? toEndpoint(row) : undefined;
  }

  /** The receiver answered 410 Gone: the endpoint stops, its queue is cancelled, the control plane hears of it. */
  disableEndpoint(id: string, status: number, now: number): void {
    const changed = this.db
      .prepare(
        'UPDATE webhook_endpoints SET node_disabled_at = ?, node_disabled_reason = ? WHERE id = ? AND node_disabled_at IS NULL',
      )
      .run(now, `receiver answered ${status}`, id).changes;
    if (!changed) return;
    this.db
      .prepare(
        "UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = 'endpoint_disabled' WHERE endpoint_id = ? AND status = 'pending'",
      )
      .run(id);
    this.db
      .prepare("INSERT INTO webhook_notices (type, endpoint_id, status, at) VALUES ('endpoint_disabled', ?, ?, ?)")
      .run(id, status, now);
  }

  /** The oldest events, to be turned into deliveries. */
  events(limit: number): EventRow[] {
    return this.db
      .prepare<[number], EventRow>(
        `SELECT id, type, conversation_id AS conversationId, message_id AS messageId, data, at
           FROM webhook_events ORDER BY id LIMIT ?`,
      )
      .all(limit);
  }

  /** Writes an event for something no trigger sees (lead.created), when an endpoint is listening. */
  addEvent(type: WebhookEventType, conversationId: string, data: unknown, at: number): void {
    this.db
      .prepare(
        `INSERT INTO webhook_events (type, conversation_id, data, at)
         SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1 AND node_disabled_at IS NULL)`,
      )
      .run(type, conversationId, JSON.stringify(data), at);
  }

  deleteEvent(id: number): void {
    this.db.prepare('DELETE FROM webhook_events WHERE id = ?').run(id);
  }

  conversation(id: string): ConversationFacts | undefined {
    return this.db
      .prepare<[string], ConversationFacts>(
        `SELECT c.id, c.channel_id AS channelId, COALESCE(ch.type, 'unknown') AS channelType, c.status, c.handler,
           c.contact_name AS contactName, c.contact_handle AS contactHandle, c.created_at AS createdAt
         FROM conversations c LEFT JOIN channels ch ON ch.id = c.channel_id WHERE c.id = ?`,
      )
      .get(id);
  }

  message(id: number): MessageFacts | undefined {
    return this.db
      .prepare<[number], MessageFacts>(
        `SELECT id, direction, kind, text, author_id AS authorId, created_at AS createdAt FROM messages WHERE id = ?`,
      )
      .get(id);
  }

  notices(): WebhookNoticeRow[] {
    return this.db
      .prepare<[number], WebhookNoticeRow>(
        'SELECT id, type, endpoint_id AS endpointId, status, at FROM webhook_notices ORDER BY id LIMIT ?',
      )
      .all(NOTICES_PER_BEAT);
  }

  acknowledgeNotices(upToId: number): void {
    this.db.prepare('DELETE FROM webhook_notices WHERE id <= ?').run(upToId);
  }
}
