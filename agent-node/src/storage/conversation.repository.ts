import { randomUUID } from 'node:crypto';
import type { Db } from './database';

export type MessageKind = 'text' | 'unsupported' | 'fallback' | 'notice';

export interface MessageRow {
  readonly id: number;
  readonly conversationId: string;
  readonly direction: 'in' | 'out';
  readonly kind: MessageKind;
  readonly text: string | null;
  readonly externalId: string | null;
  readonly replyTo: number | null;
  readonly deliveryStatus: string | null;
  readonly createdAt: number;
}

export interface ConversationRow {
  readonly id: string;
  readonly channelId: string;
  readonly externalChatId: string;
  readonly createdAt: number;
  readonly lastMessageAt: number;
  /** 'human' after a handoff or takeover: the agent stays silent until people hand back. */
  readonly handler: 'agent' | 'human';
  /** When the end user last wrote (the provider's timestamp, epoch ms); null before any message. */
  readonly lastInboundAt: number | null;
  /** When the channel's window template last went out to this conversation. */
  readonly windowTemplateAt: number | null;
}

export interface InboundMessage {
  readonly channelId: string;
  /** Provider event id used for de-duplication (Telegram update_id, WhatsApp message id). */
  readonly eventKey: string;
  readonly externalChatId: string;
  readonly externalMessageId: string;
  readonly kind: 'text' | 'unsupported';
  readonly text: string | null;
  readonly receivedAt: number;
  /** When the user sent it, by the provider's clock (epoch ms, not after `receivedAt`); default `receivedAt`. */
  readonly sentAt?: number;
  /** Who wrote, as the provider names them (shown in the inbox; stays on the node). */
  readonly contact?: InboundContact;
}

export interface InboundContact {
  readonly name: string | null;
  readonly handle: string | null;
  /** IETF language tag the provider reports (Telegram's language_code). */
  readonly language: string | null;
}

export type StoreInboundResult =
  | { readonly duplicate: true }
  | { readonly duplicate: false; readonly messageId: number; readonly conversationId: string };

const MESSAGE_COLUMNS = `id, conversation_id AS conversationId, direction, kind, text, external_id AS externalId,
  reply_to AS replyTo, delivery_status AS deliveryStatus, created_at AS createdAt`;

/** Conversations, messages, inbound de-duplication and the reply queue rows they create. */
export class ConversationRepository {
  constructor(private readonly db: Db) {}

  /** Records that a provider event was seen; false when it had been seen before. */
  recordEvent(channelId: string, eventKey: string, at: number): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO inbound_events (channel_id, event_key, received_at) VALUES (?, ?, ?)')
        .run(channelId, eventKey, at).changes === 1
    );
  }

  /**
   * Stores an inbound message and its reply job in one transaction (call it inside the
   * webhook, before answering 2xx). `jobState` is 'skipped' while the node is suspended.
   */
  storeInbound(msg: InboundMessage, jobState: 'pending' | 'skipped'): StoreInboundResult {
    return this.db.transaction((): StoreInboundResult => {
      if (!this.recordEvent(msg.channelId, msg.eventKey, msg.receivedAt)) return { duplicate: true };
      const conversationId = this.upsertConversation(msg.channelId, msg.externalChatId, msg.receivedAt);
      if (msg.contact) this.updateContact(conversationId, msg.contact);
      // The newest of the user's messages counts (a late redelivery of an older one does not move it back).
      this.db
        .prepare('UPDATE conversations SET last_inbound_at = MAX(COALESCE(last_inbound_at, 0), ?) WHERE id = ?')
        .run(Math.min(msg.sentAt ?? msg.receivedAt, msg.receivedAt), conversationId);
      const messageId = Number(
        this.db
          .prepare(
            "INSERT INTO messages (conversation_id, direction, kind, text, external_id, created_at) VALUES (?, 'in', ?, ?, ?, ?)",
          )
          .run(conversationId, msg.kind, msg.text, msg.externalMessageId, msg.receivedAt).lastInsertRowid,
      );
      this.db
        .prepare(
          'INSERT INTO reply_jobs (inbound_message_id, conversation_id, state, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(messageId, conversationId, jobState, msg.receivedAt, msg.receivedAt, msg.receivedAt);
      return { duplicate: false, messageId, conversationId };
    })();
  }

  private upsertConversation(channelId: string, externalChatId: string, at: number): string {
    const existing = this.db
      .prepare<[string, string], { id: string }>(
        'SELECT id FROM conversations WHERE channel_id = ? AND external_chat_id = ?',
      )
      .get(channelId, externalChatId);
    if (existing) {
      this.db.prepare('UPDATE conversations SET last_message_at = ? WHERE id = ?').run(at, existing.id);
      return existing.id;
    }
    const id = randomUUID();
    this.db
      .prepare(
        'INSERT INTO conversations (id, channel_id, external_chat_id, created_at, last_message_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(id, channelId, externalChatId, at, at);
    return id;
  }

  /** The latest name, handle and language the provider gave; a missing value keeps the known one. */
  private updateContact(conversationId: string, contact: InboundContact): void {
    this.db
      .prepare(
        `UPDATE conversations SET contact_name = COALESCE(?, contact_name), contact_handle = COALESCE(?, contact_handle),
           language = COALESCE(?, language) WHERE id = ?`,
      )
      .run(contact.name, contact.handle, contact.language, conversationId);
  }

  getConversation(id: string): ConversationRow | undefined {
    return this.db
      .prepare<[string], ConversationRow>(
        `SELECT id, channel_id AS channelId, external_chat_id AS externalChatId, created_at AS createdAt,
           last_message_at AS lastMessageAt, handler, last_inbound_at AS lastInboundAt, window_template_at AS windowTemplateAt
         FROM conversations WHERE id = ?`,
      )
      .get(id);
  }

  /** The channel's window template went out to this conversation. */
  markWindowTemplateSent(conversationId: string, at: number): void {
    this.db.prepare('UPDATE conversations SET window_template_at = ? WHERE id = ?').run(at, conversationId);
  }

  findConversation(channelId: string, externalChatId: string): ConversationRow | undefined {
    const row = this.db
      .prepare<[string, string], { id: string }>(
        'SELECT id FROM conversations WHERE channel_id = ? AND external_chat_id = ?',
      )
      .get(channelId, externalChatId);
    return row ? this.getConversation(row.id) : undefined;
  }

  getMessage(id: number): MessageRow | undefined {
    return this.db.prepare<[number], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`).get(id);
  }

  /** Most recent messages of a conversation up to and including `uptoId`, newest first. */
  recentMessages(conversationId: string, uptoId: number, limit: number): MessageRow[] {
    return this.db
      .prepare<[string, number, number], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id <= ? ORDER BY id DESC LIMIT ?`,
      )
      .all(conversationId, uptoId, limit);
  }

  /** An outbound message: the agent's reply to `replyTo`, or a team member's (`authorId`) message. */
  insertOutbound(
    conversationId: string,
    kind: MessageKind,
    text: string,
    replyTo: number | null,
    at: number,
    authorId: string | null = null,
  ): number {
    const id = Number(
      this.db
        .prepare(
          "INSERT INTO messages (conversation_id, direction, kind, text, reply_to, author_id, delivery_status, created_at) VALUES (?, 'out', ?, ?, ?, ?, 'pending', ?)",
        )
        .run(conversationId, kind, text, replyTo, authorId, at).lastInsertRowid,
    );
    this.db.prepare('UPDATE conversations SET last_message_at = ? WHERE id = ?').run(at, conversationId);
    return id;
  }

  setDelivery(messageId: number, status: string, externalId?: string): void {
    if (externalId !== undefined)
      this.db
        .prepare('UPDATE messages SET delivery_status = ?, external_id = ? WHERE id = ?')
        .run(status, externalId, messageId);
    else this.db.prepare('UPDATE messages SET delivery_status = ? WHERE id = ?').run(status, messageId);
  }

  /**
   * Records a provider status callback (sent/delivered/read/failed) for an outbound message;
   * the message shows `messageStatus` (e.g. `window_closed` for a failure that means so).
   */
  recordDeliveryStatus(
    channelId: string,
    externalMessageId: string,
    status: string,
    at: number,
    errorCode: string | null,
    messageStatus = status,
  ): boolean {
    const fresh =
      this.db
        .prepare(
          'INSERT OR IGNORE INTO delivery_statuses (channel_id, external_message_id, status, occurred_at, error_code) VALUES (?, ?, ?, ?, ?)',
        )
        .run(channelId, externalMessageId, status, at, errorCode).changes === 1;
    const rank: Record<string, number> = {
      pending: 0,
      sending: 1,
      sent: 2,
      delivered: 3,
      read: 4,
      failed: 5,
      window_closed: 5,
    };
    const row = this.db
      .prepare<[string], { id: number; delivery_status: string | null }>(
        "SELECT id, delivery_status FROM messages WHERE external_id = ? AND direction = 'out'",
      )
      .get(externalMessageId);
    if (row && (rank[messageStatus] ?? -1) > (rank[row.delivery_status ?? 'pending'] ?? -1))
      this.setDelivery(row.id, messageStatus);
    return fresh;
  }

  /** Deletes one conversation, its messages and reply jobs. Returns the number of messages erased. */
  eraseConversation(conversationId: string): { erased: boolean; messages: number } {
    return this.db.transaction(() => {
      const messages = (
        this.db.prepare('SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?').get(conversationId) as {
          n: number;
        }
      ).n;
      const erased = this.db.prepare('DELETE FROM conversations WHERE id = ?').run(conversationId).changes > 0;
      return { erased, messages: erased ? messages : 0 };
    })();
  }

  counts(): { conversations: number; messages: number } {
    return this.db
      .prepare<[], { conversations: number; messages: number }>(
        'SELECT (SELECT COUNT(*) FROM conversations) AS conversations, (SELECT COUNT(*) FROM messages) AS messages',
      )
      .get() as { conversations: number; messages: number };
  }
}
