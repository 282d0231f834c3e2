import type { Db } from '../storage/database';

/** What the control plane must hear about an inbox action: ids and counts, never content. */
export type OutboxEventType =
  'handoff_requested' | 'conversation_trashed' | 'conversation_restored' | 'conversation_erased';

export interface OutboxEventRow {
  readonly id: number;
  readonly type: OutboxEventType;
  readonly conversationId: string;
  readonly actorUserId: string | null;
  readonly messages: number | null;
  readonly at: number;
}

/** Bound on one heartbeat's events; the rest ride on the next beats. */
const EVENTS_PER_BEAT = 100;

/**
 * Durable hand-over to the control plane: rows are written in the transaction of the action,
 * ride on the next heartbeat and are deleted once that beat is acknowledged (the control plane
 * ignores ids it has already processed, so a lost acknowledgement repeats nothing).
 */
export class ControlPlaneOutbox {
  constructor(private readonly db: Db) {}

  add(event: Omit<OutboxEventRow, 'id'>): void {
    this.db
      .prepare(
        'INSERT INTO control_plane_outbox (type, conversation_id, actor_user_id, messages, at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(event.type, event.conversationId, event.actorUserId, event.messages, event.at);
  }

  pending(): OutboxEventRow[] {
    return this.db
      .prepare<[number], OutboxEventRow>(
        `SELECT id, type, conversation_id AS conversationId, actor_user_id AS actorUserId, messages, at
           FROM control_plane_outbox ORDER BY id LIMIT ?`,
      )
      .all(EVENTS_PER_BEAT);
  }

  acknowledge(upToId: number): void {
    this.db.prepare('DELETE FROM control_plane_outbox WHERE id <= ?').run(upToId);
  }
}
