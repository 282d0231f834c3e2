import type { Db } from '../storage/database';

/** The deletes of a retention purge (messages, then what they leave behind). */
export class RetentionRepository {
  constructor(private readonly db: Db) {}

  /**
   * Deletes messages older than `cutoff` (epoch ms), then conversations left without messages,
   * then de-duplication and delivery records older than `cutoff`. Run it inside a transaction.
   */
  purgeBefore(cutoff: number): { messages: number; conversations: number } {
    const messages = this.db.prepare('DELETE FROM messages WHERE created_at < ?').run(cutoff).changes;
    const conversations = this.db
      .prepare(
        'DELETE FROM conversations WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id)',
      )
      .run().changes;
    this.db.prepare('DELETE FROM inbound_events WHERE received_at < ?').run(cutoff);
    this.db.prepare('DELETE FROM delivery_statuses WHERE occurred_at < ?').run(cutoff);
    return { messages, conversations };
  }
}
