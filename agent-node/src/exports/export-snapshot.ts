import type { Statement } from 'better-sqlite3';
import { openDatabase, type Db } from '../storage/database';

/** ISO 8601 with milliseconds, like Date#toISOString, from a column of epoch milliseconds (exact integer arithmetic). */
const iso = (column: string) =>
  `strftime('%Y-%m-%dT%H:%M:%S', ${column} / 1000, 'unixepoch') || printf('.%03dZ', ${column} % 1000)`;

/**
 * The export's lines, read from a separate read-only connection inside one read transaction: WAL
 * gives it a consistent snapshot while webhooks keep writing on the main one. SQLite builds each
 * NDJSON line itself (json_object escapes like JSON.stringify), so no row object is made per
 * message; messages come one conversation at a time, in id order, straight off the
 * (conversation_id, id) index, and iterators keep one line in memory at a time.
 */
export class ExportSnapshot {
  private readonly reader: Db;
  private readonly messages: Statement<[string], string>;

  constructor(dbFile: string) {
    this.reader = openDatabase(dbFile, [], { readonly: true });
    this.messages = this.reader
      .prepare<[string], string>(
        `SELECT json_object('type', 'message', 'id', id, 'direction', direction, 'kind', kind, 'text', text,
                            'deliveryStatus', delivery_status, 'createdAt', ${iso('created_at')})
           FROM messages WHERE conversation_id = ? ORDER BY id`,
      )
      .pluck();
    this.reader.exec('BEGIN');
  }

  /** Every conversation in id order: its id and its `{"type":"conversation",…}` line. */
  conversations(): IterableIterator<[id: string, line: string]> {
    return this.reader
      .prepare<[], [string, string]>(
        `SELECT c.id, json_object('type', 'conversation', 'id', c.id, 'channelId', c.channel_id, 'channelType', ch.type,
                                  'externalChatId', c.external_chat_id, 'createdAt', ${iso('c.created_at')})
           FROM conversations c LEFT JOIN channels ch ON ch.id = c.channel_id
          ORDER BY c.id`,
      )
      .raw()
      .iterate();
  }

  /** The `{"type":"message",…}` lines of one conversation, oldest first. */
  messageLines(conversationId: string): IterableIterator<string> {
    return this.messages.iterate(conversationId);
  }

  close(): void {
    if (this.reader.inTransaction) this.reader.exec('COMMIT');
    this.reader.close();
  }
}
