import type { Db } from '../storage/database';

export interface TranscriptMailRow {
  readonly id: number;
  readonly conversationId: string;
  readonly reason: 'resolved' | 'idle';
  readonly uptoMessageId: number;
  readonly attempts: number;
}

export interface TranscriptConversation {
  readonly id: string;
  readonly channelId: string;
  readonly channelType: string;
  readonly contactName: string | null;
  readonly contactHandle: string | null;
  readonly createdAt: number;
}

export interface TranscriptLine {
  readonly direction: 'in' | 'out';
  readonly kind: string;
  readonly text: string | null;
  readonly authorId: string | null;
  readonly createdAt: number;
}

/** Queued transcripts, and what one is built from. */
export class TranscriptRepository {
  constructor(private readonly db: Db) {}

  /**
   * Queues an `idle` transcript for each conversation quiet since `quietSince` that is not
   * resolved and has messages newer than its last transcript. Returns how many were queued.
   */
  queueIdle(quietSince: number, now: number): number {
    return this.db
      .prepare(
        `INSERT OR IGNORE INTO transcript_mails (conversation_id, reason, upto_message_id, status, next_attempt_at, created_at)
         SELECT c.id, 'idle', m.last_id, 'pending', ?, ?
           FROM conversations c
           JOIN (SELECT conversation_id, MAX(id) AS last_id FROM messages GROUP BY conversation_id) m ON m.conversation_id = c.id
          WHERE c.last_message_at <= ? AND c.status <> 'resolved' AND c.trashed_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM transcript_mails t WHERE t.conversation_id = c.id AND t.upto_message_id >= m.last_id)`,
      )
      .run(now, now, quietSince).changes;
  }

  due(now: number, limit: number): TranscriptMailRow[] {
    return this.db
      .prepare<[number, number], TranscriptMailRow>(
        `SELECT id, conversation_id AS conversationId, reason, upto_message_id AS uptoMessageId, attempts
           FROM transcript_mails WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
      )
      .all(now, limit);
  }

  conversation(id: string): TranscriptConversation | undefined {
    return this.db
      .prepare<[string], TranscriptConversation>(
        `SELECT c.id, c.channel_id AS channelId, COALESCE(ch.type, 'unknown') AS channelType, c.contact_name AS contactName,
           c.contact_handle AS contactHandle, c.created_at AS createdAt
         FROM conversations c LEFT JOIN channels ch ON ch.id = c.channel_id WHERE c.id = ?`,
      )
      .get(id);
  }

  lines(conversationId: string, uptoMessageId: number): TranscriptLine[] {
    return this.db
      .prepare<[string, number], TranscriptLine>(
        `SELECT direction, kind, text, author_id AS authorId, created_at AS createdAt
           FROM messages WHERE conversation_id = ? AND id <= ? ORDER BY id`,
      )
      .all(conversationId, uptoMessageId);
  }

  markSent(id: number, now: number): void {
    this.db
      .prepare(
        "UPDATE transcript_mails SET status = 'sent', attempts = attempts + 1, sent_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ?",
      )
      .run(now, id);
  }

  markFailed(id: number, error: string, nextAt: number | null): void {
    this.db
      .prepare(
        `UPDATE transcript_mails SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
           status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END WHERE id = ?`,
      )
      .run(error, nextAt, nextAt, id);
  }

  counts(): Record<'pending' | 'sent' | 'failed', number> {
    const counts = { pending: 0, sent: 0, failed: 0 };
    for (const r of this.db
      .prepare<[], { status: keyof typeof counts; n: number }>(
        'SELECT status, COUNT(*) AS n FROM transcript_mails GROUP BY status',
      )
      .all())
      counts[r.status] = r.n;
    return counts;
  }
}
