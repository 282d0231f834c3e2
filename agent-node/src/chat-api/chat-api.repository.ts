import { randomUUID } from 'node:crypto';
import type { Db, Transaction } from '../storage/database';

/** The chat API's rows: key last-use times, the key secrets' change marker, and stored history. */
export class ChatApiRepository {
  constructor(
    private readonly db: Db,
    private readonly transaction: Transaction,
  ) {}

  /** Changes whenever a key is delivered, rotated or removed: the key index is rebuilt then. */
  keyMarker(): string {
    const row = this.db
      .prepare<[], { n: number; latest: number | null }>(
        "SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM secrets WHERE kind = 'chat_api_key'",
      )
      .get() as { n: number; latest: number | null };
    return `${row.n}:${row.latest ?? 0}`;
  }

  /** The ids (secret scopes) that hold a key hash. */
  keyScopes(): string[] {
    return this.db
      .prepare<[], { scope: string }>("SELECT scope FROM secrets WHERE kind = 'chat_api_key'")
      .all()
      .map((r) => r.scope);
  }

  touchKey(channelId: string, at: number): void {
    this.db
      .prepare(
        'INSERT INTO api_key_usage (channel_id, last_used_at) VALUES (?, ?) ON CONFLICT (channel_id) DO UPDATE SET last_used_at = MAX(last_used_at, excluded.last_used_at)',
      )
      .run(channelId, at);
  }

  /** Keys used since their use was last reported. */
  unreportedUse(limit = 100): { id: string; lastUsedAt: number }[] {
    return this.db
      .prepare<[number], { id: string; lastUsedAt: number }>(
        'SELECT channel_id AS id, last_used_at AS lastUsedAt FROM api_key_usage WHERE last_used_at > reported_at ORDER BY last_used_at LIMIT ?',
      )
      .all(limit);
  }

  markReported(uses: readonly { id: string; lastUsedAt: number }[]): void {
    const stmt = this.db.prepare('UPDATE api_key_usage SET reported_at = ? WHERE channel_id = ? AND reported_at < ?');
    this.transaction(() => {
      for (const u of uses) stmt.run(u.lastUsedAt, u.id, u.lastUsedAt);
    });
  }

  /**
   * Stores the caller's message in the conversation its key and external id name (created on
   * first use), as the inbox shows any channel's; returns the conversation and message ids.
   */
  storeQuestion(
    channelId: string,
    externalId: string,
    text: string,
    at: number,
  ): { conversationId: string; messageId: number } {
    return this.transaction(() => {
      const existing = this.db
        .prepare<[string, string], { id: string }>(
          'SELECT id FROM conversations WHERE channel_id = ? AND external_chat_id = ?',
        )
        .get(channelId, externalId);
      const conversationId = existing?.id ?? randomUUID();
      if (existing)
        this.db
          .prepare('UPDATE conversations SET last_message_at = ?, last_inbound_at = ? WHERE id = ?')
          .run(at, at, conversationId);
      else
        this.db
          .prepare(
            'INSERT INTO conversations (id, channel_id, external_chat_id, created_at, last_message_at, last_inbound_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(conversationId, channelId, externalId, at, at, at);
      const messageId = Number(
        this.db
          .prepare(
            "INSERT INTO messages (conversation_id, direction, kind, text, created_at) VALUES (?, 'in', 'text', ?, ?)",
          )
          .run(conversationId, text, at).lastInsertRowid,
      );
      return { conversationId, messageId };
    });
  }

  /** The agent's answer, delivered (the API returned it to the caller). */
  storeAnswer(conversationId: string, text: string, replyTo: number, at: number): void {
    this.transaction(() => {
      this.db
        .prepare(
          "INSERT INTO messages (conversation_id, direction, kind, text, reply_to, delivery_status, created_at) VALUES (?, 'out', 'text', ?, ?, 'sent', ?)",
        )
        .run(conversationId, text, replyTo, at);
      this.db.prepare('UPDATE conversations SET last_message_at = ? WHERE id = ?').run(at, conversationId);
    });
  }
}
