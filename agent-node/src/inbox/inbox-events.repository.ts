import type { InboxEvent } from '@enclave/node-protocol';
import type { Db } from '../storage/database';

export interface InboxEventRow extends InboxEvent {
  readonly seq: number;
}

/** The live-update log the triggers of migration 2 write; read by the SSE stream. */
export class InboxEventsRepository {
  constructor(private readonly db: Db) {}

  after(seq: number, limit: number): InboxEventRow[] {
    return this.db
      .prepare<[number, number], InboxEventRow>(
        'SELECT seq, type, conversation_id AS conversationId FROM inbox_events WHERE seq > ? ORDER BY seq LIMIT ?',
      )
      .all(seq, limit);
  }

  latest(): number {
    const row = this.db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM inbox_events').get();
    return row?.seq ?? 0;
  }

  /** Keeps a few days for reconnecting dashboards; older events only matter to nobody. */
  pruneBefore(cutoff: number): number {
    return this.db.prepare('DELETE FROM inbox_events WHERE at < ?').run(cutoff).changes;
  }
}
