import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../storage/database';

/** One entry of a widget conversation as the panel shows it. */
export interface WidgetEvent {
  readonly id: number;
  readonly messageId: number;
  /** `visitor` wrote it; `agent` is the model's reply or a notice; `team` a member's reply. */
  readonly from: 'visitor' | 'agent' | 'team';
  readonly kind: string;
  readonly text: string;
  /** The visitor's message a reply answers. */
  readonly replyTo: number | null;
  readonly at: number;
}

export interface WidgetConversation {
  readonly conversationId: string;
  readonly channelId: string;
  readonly tokenHash: string;
  /** The user identity verification vouched for when it started (null: none). */
  readonly userId: string | null;
}

/** What the pre-chat form collected; kept on the conversation like a provider's contact fields. */
export interface VisitorContact {
  readonly name: string | null;
  readonly handle: string | null;
  readonly language: string | null;
}

interface EventRow {
  id: number;
  messageId: number;
  direction: 'in' | 'out';
  kind: string;
  text: string | null;
  authorId: string | null;
  replyTo: number | null;
  at: number;
}

const toEvent = (r: EventRow): WidgetEvent => ({
  id: r.id,
  messageId: r.messageId,
  from: r.direction === 'in' ? 'visitor' : r.authorId ? 'team' : 'agent',
  kind: r.kind,
  text: r.text ?? '',
  replyTo: r.replyTo,
  at: r.at,
});

/** SHA-256 of the visitor's conversation id: what the node stores and looks conversations up by. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Widget conversations (bearer hash → conversation) and their event log. */
export class WidgetRepository {
  private readonly eventsAfter;

  constructor(private readonly db: Db) {
    this.eventsAfter = db.prepare<[string, number, number], EventRow>(
      `SELECT e.id, e.message_id AS messageId, m.direction, m.kind, m.text, m.author_id AS authorId,
         m.reply_to AS replyTo, e.created_at AS at
       FROM widget_events e JOIN messages m ON m.id = e.message_id
       WHERE e.conversation_id = ? AND e.id > ? ORDER BY e.id LIMIT ?`,
    );
  }

  /** A new conversation of a web channel, with the visitor's contact fields (call in a transaction). */
  create(channelId: string, hash: string, contact: VisitorContact, userId: string | null, now: number): string {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO conversations (id, channel_id, external_chat_id, created_at, last_message_at, contact_name, contact_handle, language)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, channelId, hash, now, now, contact.name, contact.handle, contact.language);
    this.db
      .prepare(
        'INSERT INTO widget_conversations (conversation_id, channel_id, token_hash, user_id, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(id, channelId, hash, userId, now);
    return id;
  }

  find(hash: string): WidgetConversation | undefined {
    return this.db
      .prepare<[string], WidgetConversation>(
        'SELECT conversation_id AS conversationId, channel_id AS channelId, token_hash AS tokenHash, user_id AS userId FROM widget_conversations WHERE token_hash = ?',
      )
      .get(hash);
  }

  /** Appends a message to the conversation's event log; returns the event id. */
  addEvent(conversationId: string, messageId: number, now: number): number {
    return Number(
      this.db
        .prepare('INSERT INTO widget_events (conversation_id, message_id, created_at) VALUES (?, ?, ?)')
        .run(conversationId, messageId, now).lastInsertRowid,
    );
  }

  /** The event already logged for a message (a resend after a crash logs nothing new). */
  eventOf(messageId: number): number | undefined {
    return this.db.prepare<[number], { id: number }>('SELECT id FROM widget_events WHERE message_id = ?').get(messageId)
      ?.id;
  }

  /** The visitor's message the panel sent with `clientId` (its external id), if stored. */
  messageByClientId(conversationId: string, clientId: string): number | undefined {
    return this.db
      .prepare<[string, string], { id: number }>(
        "SELECT id FROM messages WHERE conversation_id = ? AND direction = 'in' AND external_id = ?",
      )
      .get(conversationId, clientId)?.id;
  }

  events(conversationId: string, afterId: number, limit = 500): WidgetEvent[] {
    return this.eventsAfter.all(conversationId, afterId, limit).map(toEvent);
  }
}
