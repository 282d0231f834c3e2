import { openDatabase, type Db } from '../storage/database';

/** One exported row: a conversation, with one of its messages (none: `m_id` null). */
export interface ExportRow {
  readonly c_id: string;
  readonly c_channel_id: string;
  readonly c_channel_type: string | null;
  readonly c_external_chat_id: string;
  readonly c_created_at: number;
  readonly m_id: number | null;
  readonly m_direction: string | null;
  readonly m_kind: string | null;
  readonly m_text: string | null;
  readonly m_delivery_status: string | null;
  readonly m_created_at: number | null;
}

/**
 * Every conversation with its messages, ordered, from a separate read-only connection: WAL gives
 * it a consistent snapshot while webhooks keep writing on the main one, and `.iterate()` keeps one
 * row in memory at a time.
 */
export class ExportSnapshot {
  private readonly reader: Db;

  constructor(dbFile: string) {
    this.reader = openDatabase(dbFile, [], { readonly: true });
  }

  rows(): IterableIterator<ExportRow> {
    return this.reader
      .prepare<[], ExportRow>(
        `SELECT c.id AS c_id, c.channel_id AS c_channel_id, ch.type AS c_channel_type, c.external_chat_id AS c_external_chat_id,
                c.created_at AS c_created_at, m.id AS m_id, m.direction AS m_direction, m.kind AS m_kind, m.text AS m_text,
                m.delivery_status AS m_delivery_status, m.created_at AS m_created_at
           FROM conversations c
           LEFT JOIN channels ch ON ch.id = c.channel_id
           LEFT JOIN messages m ON m.conversation_id = c.id
          ORDER BY c.id, m.id`,
      )
      .iterate();
  }

  close(): void {
    this.reader.close();
  }
}
