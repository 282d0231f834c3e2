import type { ChannelType, ConversationHandler, ConversationStatus } from '@enclave/node-protocol';
import type { Db } from '../storage/database';

/** A conversation as the inbox lists it (times in epoch ms). */
export interface InboxConversationRow {
  readonly id: string;
  readonly channelId: string;
  readonly channelType: ChannelType;
  readonly status: ConversationStatus;
  readonly snoozedUntil: number | null;
  readonly handler: ConversationHandler;
  readonly assigneeId: string | null;
  readonly tags: string | null;
  readonly contactName: string | null;
  readonly contactHandle: string | null;
  readonly language: string | null;
  readonly unread: number;
  readonly lastMessageAt: number;
  readonly lastText: string | null;
  readonly lastDirection: 'in' | 'out' | null;
  readonly lastAt: number | null;
  readonly trashedAt: number | null;
}

export interface InboxQuery {
  readonly status?: ConversationStatus;
  readonly handler?: ConversationHandler;
  readonly channel?: ChannelType;
  readonly tag?: string;
  readonly assignee?: string;
  /** An FTS5 query (already made safe by the caller). */
  readonly match?: string;
  readonly trash: boolean;
  readonly before?: { readonly lastMessageAt: number; readonly id: string };
  readonly limit: number;
}

export interface ThreadMessageRow {
  readonly id: number;
  readonly direction: 'in' | 'out';
  readonly kind: string;
  readonly text: string | null;
  readonly authorId: string | null;
  readonly deliveryStatus: string | null;
  readonly createdAt: number;
}

export interface NoteRow {
  readonly id: number;
  readonly authorId: string;
  readonly text: string;
  readonly createdAt: number;
}

/** Tags are joined with the unit separator, which the tag schema never allows. */
export const TAG_SEPARATOR = '\u001f';

const SUMMARY = `
  SELECT c.id, c.channel_id AS channelId, COALESCE(ch.type, 'telegram') AS channelType, c.status,
    c.snoozed_until AS snoozedUntil, c.handler, c.assignee_id AS assigneeId,
    (SELECT group_concat(t.tag, char(31)) FROM conversation_tags t WHERE t.conversation_id = c.id) AS tags,
    c.contact_name AS contactName, c.contact_handle AS contactHandle, c.language, c.unread,
    c.last_message_at AS lastMessageAt, lm.text AS lastText, lm.direction AS lastDirection, lm.created_at AS lastAt,
    c.trashed_at AS trashedAt
  FROM conversations c
  LEFT JOIN channels ch ON ch.id = c.channel_id
  LEFT JOIN messages lm ON lm.id = (SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = c.id)`;

const THREAD_MESSAGE = `SELECT id, direction, kind, text, author_id AS authorId, delivery_status AS deliveryStatus,
  created_at AS createdAt FROM messages`;

/** The inbox's reads and writes over conversations, tags and notes. */
export class InboxRepository {
  constructor(private readonly db: Db) {}

  list(q: InboxQuery): InboxConversationRow[] {
    const where: string[] = [q.trash ? 'c.trashed_at IS NOT NULL' : 'c.trashed_at IS NULL'];
    const args: (string | number)[] = [];
    const add = (clause: string, ...values: (string | number)[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (q.status) add('c.status = ?', q.status);
    if (q.handler) add('c.handler = ?', q.handler);
    if (q.channel) add('ch.type = ?', q.channel);
    if (q.assignee) add('c.assignee_id = ?', q.assignee);
    if (q.tag) add('EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id AND t.tag = ?)', q.tag);
    if (q.match) {
      add(
        `c.id IN (SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
                  WHERE messages_fts MATCH ?)`,
        q.match,
      );
    }
    if (q.before) add('(c.last_message_at, c.id) < (?, ?)', q.before.lastMessageAt, q.before.id);
    return this.db
      .prepare<(string | number)[], InboxConversationRow>(
        `${SUMMARY} WHERE ${where.join(' AND ')} ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`,
      )
      .all(...args, q.limit);
  }

  get(id: string): InboxConversationRow | undefined {
    return this.db.prepare<[string], InboxConversationRow>(`${SUMMARY} WHERE c.id = ?`).get(id);
  }

  messages(conversationId: string): ThreadMessageRow[] {
    return this.db
      .prepare<[string], ThreadMessageRow>(`${THREAD_MESSAGE} WHERE conversation_id = ? ORDER BY id`)
      .all(conversationId);
  }

  message(id: number): ThreadMessageRow | undefined {
    return this.db.prepare<[number], ThreadMessageRow>(`${THREAD_MESSAGE} WHERE id = ?`).get(id);
  }

  notes(conversationId: string): NoteRow[] {
    return this.db
      .prepare<[string], NoteRow>(
        'SELECT id, author_id AS authorId, text, created_at AS createdAt FROM notes WHERE conversation_id = ? ORDER BY id',
      )
      .all(conversationId);
  }

  addNote(conversationId: string, authorId: string, text: string, now: number): NoteRow {
    const id = Number(
      this.db
        .prepare('INSERT INTO notes (conversation_id, author_id, text, created_at) VALUES (?, ?, ?, ?)')
        .run(conversationId, authorId, text, now).lastInsertRowid,
    );
    return { id, authorId, text, createdAt: now };
  }

  markRead(id: string): void {
    this.db.prepare('UPDATE conversations SET unread = 0 WHERE id = ? AND unread <> 0').run(id);
  }

  setStatus(id: string, status: ConversationStatus, snoozedUntil: number | null): void {
    this.db
      .prepare('UPDATE conversations SET status = ?, snoozed_until = ? WHERE id = ?')
      .run(status, snoozedUntil, id);
  }

  setHandler(id: string, handler: ConversationHandler, assigneeId: string | null): void {
    this.db.prepare('UPDATE conversations SET handler = ?, assignee_id = ? WHERE id = ?').run(handler, assigneeId, id);
  }

  setAssignee(id: string, assigneeId: string | null): void {
    this.db.prepare('UPDATE conversations SET assignee_id = ? WHERE id = ?').run(assigneeId, id);
  }

  /** Replaces the tags: only the differences are written (each one is a live-update event). */
  setTags(id: string, tags: readonly string[]): void {
    const current = new Set(
      this.db
        .prepare<[string], { tag: string }>('SELECT tag FROM conversation_tags WHERE conversation_id = ?')
        .all(id)
        .map((r) => r.tag),
    );
    const wanted = new Set(tags);
    const insert = this.db.prepare('INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?)');
    const remove = this.db.prepare('DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?');
    for (const tag of wanted) if (!current.has(tag)) insert.run(id, tag);
    for (const tag of current) if (!wanted.has(tag)) remove.run(id, tag);
  }

  setTrashed(id: string, trashedAt: number | null): void {
    this.db.prepare('UPDATE conversations SET trashed_at = ? WHERE id = ?').run(trashedAt, id);
  }

  /** Snoozes that ended reopen by themselves; returns how many. */
  wakeSnoozed(now: number): number {
    return this.db
      .prepare(
        "UPDATE conversations SET status = 'open', snoozed_until = NULL WHERE status = 'snoozed' AND snoozed_until <= ?",
      )
      .run(now).changes;
  }

  /** Conversations trashed before `cutoff`, oldest first: the nightly purge erases them. */
  trashedBefore(cutoff: number, limit: number): string[] {
    return this.db
      .prepare<[number, number], { id: string }>(
        'SELECT id FROM conversations WHERE trashed_at IS NOT NULL AND trashed_at < ? ORDER BY trashed_at LIMIT ?',
      )
      .all(cutoff, limit)
      .map((r) => r.id);
  }
}
