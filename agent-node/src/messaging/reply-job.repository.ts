import type { Db } from '../storage/database';

export type ReplyJobState = 'pending' | 'ready' | 'sent' | 'failed' | 'skipped';

export interface ReplyJobRow {
  readonly id: number;
  /** 'agent': answer an inbound message with the model; 'team': send a person's message or a handoff notice. */
  readonly origin: 'agent' | 'team';
  /** The message answered; null for team messages. */
  readonly inboundMessageId: number | null;
  readonly conversationId: string;
  readonly state: ReplyJobState;
  readonly attempts: number;
  readonly sendAttempts: number;
  readonly nextAttemptAt: number;
  readonly replyMessageId: number | null;
  readonly lastError: string | null;
}

const COLUMNS = `id, origin, inbound_message_id AS inboundMessageId, conversation_id AS conversationId, state, attempts,
  send_attempts AS sendAttempts, next_attempt_at AS nextAttemptAt, reply_message_id AS replyMessageId, last_error AS lastError`;

/**
 * The durable reply queue. A job is 'pending' until its reply (or fallback) is generated and
 * stored, 'ready' until the channel accepted it, then 'sent' (or 'failed' / 'skipped').
 * Only the oldest open job of a conversation is ever due: replies go out in chat order.
 */
export class ReplyJobRepository {
  constructor(private readonly db: Db) {}

  /**
   * Due jobs, at most one per conversation (its oldest open one), oldest first. The heads of the
   * conversations come from one walk of the open-jobs index (MIN per group), not from a subquery
   * per open job: with a backlog in one chat that was a probe of the index for each of its jobs.
   */
  due(now: number, limit: number, excludeConversations: ReadonlySet<string>): ReplyJobRow[] {
    const rows = this.db
      .prepare<[number, number], ReplyJobRow>(
        `SELECT ${COLUMNS} FROM reply_jobs
          WHERE id IN (SELECT MIN(id) FROM reply_jobs WHERE state IN ('pending', 'ready') GROUP BY conversation_id)
            AND next_attempt_at <= ?
          ORDER BY id LIMIT ?`,
      )
      .all(now, limit + excludeConversations.size);
    return rows.filter((r) => !excludeConversations.has(r.conversationId)).slice(0, limit);
  }

  get(id: number): ReplyJobRow | undefined {
    return this.db.prepare<[number], ReplyJobRow>(`SELECT ${COLUMNS} FROM reply_jobs WHERE id = ?`).get(id);
  }

  /** Earliest next attempt among open jobs of conversations not being worked on right now. */
  nextDueAt(excludeConversations: ReadonlySet<string> = new Set()): number | undefined {
    const r = this.db
      .prepare(
        "SELECT MIN(next_attempt_at) AS t FROM reply_jobs WHERE state IN ('pending', 'ready') AND conversation_id NOT IN (SELECT value FROM json_each(?))",
      )
      .get(JSON.stringify([...excludeConversations])) as { t: number | null };
    return r.t ?? undefined;
  }

  /** Queues a stored team message for sending, behind the conversation's earlier jobs. */
  enqueueTeamMessage(conversationId: string, messageId: number, now: number): void {
    this.db
      .prepare(
        `INSERT INTO reply_jobs (origin, conversation_id, state, next_attempt_at, reply_message_id, created_at, updated_at)
           VALUES ('team', ?, 'ready', ?, ?, ?, ?)`,
      )
      .run(conversationId, now, messageId, now, now);
  }

  markReady(id: number, replyMessageId: number, attempts: number, now: number): void {
    this.db
      .prepare(
        "UPDATE reply_jobs SET state = 'ready', reply_message_id = ?, attempts = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
      )
      .run(replyMessageId, attempts, now, now, id);
  }

  markSendAttempt(id: number, now: number): void {
    this.db
      .prepare('UPDATE reply_jobs SET send_attempts = send_attempts + 1, updated_at = ? WHERE id = ?')
      .run(now, id);
  }

  markSent(id: number, now: number): void {
    this.db
      .prepare("UPDATE reply_jobs SET state = 'sent', last_error = NULL, updated_at = ? WHERE id = ?")
      .run(now, id);
  }

  retryLater(id: number, nextAttemptAt: number, error: string, now: number): void {
    this.db
      .prepare('UPDATE reply_jobs SET next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?')
      .run(nextAttemptAt, error, now, id);
  }

  finish(id: number, state: 'failed' | 'skipped', error: string, now: number): void {
    this.db
      .prepare('UPDATE reply_jobs SET state = ?, last_error = ?, updated_at = ? WHERE id = ?')
      .run(state, error, now, id);
  }
}
