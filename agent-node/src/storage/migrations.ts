import { CHAT_API_MIGRATION_SQL } from '../chat-api/chat-api.migration';
import { EXPORTS_MIGRATION_SQL } from '../exports/exports.migration';
import { INBOX_MIGRATION_SQL } from '../inbox/inbox.migration';
import { TRANSCRIPTS_MIGRATION_SQL } from '../transcripts/transcripts.migration';
import { WEBHOOKS_MIGRATION_SQL } from '../webhooks/webhooks.migration';
import { KNOWLEDGE_MIGRATION_SQL } from '../knowledge/knowledge.migration';
import { WIDGET_MIGRATION_SQL } from '../widget/widget.migration';

/**
 * Numbered schema migrations of the node database. Append only: never edit a migration that
 * has shipped; add the next number. The applied version lives in `PRAGMA user_version`.
 * Timestamps are epoch milliseconds (INTEGER).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE agents (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        instructions TEXT NOT NULL,
        provider     TEXT NOT NULL CHECK (provider IN ('openai', 'anthropic')),
        model        TEXT NOT NULL,
        enabled      INTEGER NOT NULL
      );

      CREATE TABLE channels (
        id             TEXT PRIMARY KEY,
        type           TEXT NOT NULL CHECK (type IN ('telegram', 'whatsapp')),
        agent_id       TEXT NOT NULL,
        enabled        INTEGER NOT NULL,
        settings       TEXT NOT NULL,
        webhook_secret TEXT,
        webhook_state  TEXT NOT NULL DEFAULT 'unset',
        webhook_error  TEXT
      );

      -- AES-256-GCM sealed values (see @enclave/secrets encryptSecret), AAD = "<kind>:<scope>".
      CREATE TABLE secrets (
        kind       TEXT NOT NULL,
        scope      TEXT NOT NULL,
        sealed     TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (kind, scope)
      ) WITHOUT ROWID;

      CREATE TABLE conversations (
        id               TEXT PRIMARY KEY,
        channel_id       TEXT NOT NULL,
        external_chat_id TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        last_message_at  INTEGER NOT NULL,
        UNIQUE (channel_id, external_chat_id)
      );

      CREATE TABLE messages (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        kind            TEXT NOT NULL CHECK (kind IN ('text', 'unsupported', 'fallback', 'notice')),
        text            TEXT,
        external_id     TEXT,
        reply_to        INTEGER,
        delivery_status TEXT,
        created_at      INTEGER NOT NULL
      );
      CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
      CREATE INDEX messages_by_created ON messages (created_at);
      CREATE INDEX messages_by_external ON messages (external_id) WHERE external_id IS NOT NULL;

      -- De-duplication of provider deliveries (Telegram update_id, WhatsApp message id).
      CREATE TABLE inbound_events (
        channel_id  TEXT NOT NULL,
        event_key   TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, event_key)
      ) WITHOUT ROWID;

      -- Durable reply queue: one job per inbound message.
      CREATE TABLE reply_jobs (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        inbound_message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
        conversation_id    TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        state              TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'sent', 'failed', 'skipped')),
        attempts           INTEGER NOT NULL DEFAULT 0,
        send_attempts      INTEGER NOT NULL DEFAULT 0,
        next_attempt_at    INTEGER NOT NULL,
        reply_message_id   INTEGER,
        last_error         TEXT,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
      );
      CREATE INDEX reply_jobs_open ON reply_jobs (conversation_id, id) WHERE state IN ('pending', 'ready');

      CREATE TABLE delivery_statuses (
        channel_id          TEXT NOT NULL,
        external_message_id TEXT NOT NULL,
        status              TEXT NOT NULL,
        occurred_at         INTEGER NOT NULL,
        error_code          TEXT,
        PRIMARY KEY (channel_id, external_message_id, status)
      ) WITHOUT ROWID;

      CREATE TABLE nonces (
        nonce      TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE exports (
        id         TEXT PRIMARY KEY,
        file_name  TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        bytes      INTEGER NOT NULL,
        sha256     TEXT NOT NULL
      );
    `,
  },
  { version: 2, name: 'team inbox', sql: INBOX_MIGRATION_SQL },
  {
    version: 3,
    name: 'whatsapp customer-service window',
    sql: `
      -- When the end user last wrote, by the provider's own timestamp (WhatsApp messages[].timestamp,
      -- Telegram date; never later than its arrival), in epoch ms: WhatsApp's 24-hour window runs from it.
      ALTER TABLE conversations ADD COLUMN last_inbound_at INTEGER;
      -- When the channel's window template last went to this conversation (one per closed window).
      ALTER TABLE conversations ADD COLUMN window_template_at INTEGER;
      UPDATE conversations SET last_inbound_at =
        (SELECT MAX(m.created_at) FROM messages m WHERE m.conversation_id = conversations.id AND m.direction = 'in');
    `,
  },
  {
    version: 4,
    name: 'web widget and chat API channels',
    // SQLite cannot alter a CHECK: the table is rebuilt (nothing references it).
    sql: `
      CREATE TABLE channels_v4 (
        id             TEXT PRIMARY KEY,
        type           TEXT NOT NULL CHECK (type IN ('telegram', 'whatsapp', 'web', 'api')),
        agent_id       TEXT NOT NULL,
        enabled        INTEGER NOT NULL,
        settings       TEXT NOT NULL,
        webhook_secret TEXT,
        webhook_state  TEXT NOT NULL DEFAULT 'unset',
        webhook_error  TEXT
      );
      INSERT INTO channels_v4 SELECT id, type, agent_id, enabled, settings, webhook_secret, webhook_state, webhook_error
        FROM channels;
      DROP TABLE channels;
      ALTER TABLE channels_v4 RENAME TO channels;
    `,
  },
  { version: 5, name: 'website chat widget', sql: WIDGET_MIGRATION_SQL },
  { version: 6, name: 'chat API keys last used', sql: CHAT_API_MIGRATION_SQL },
  { version: 7, name: 'knowledge base', sql: KNOWLEDGE_MIGRATION_SQL },
  {
    version: 8,
    name: 'outbound webhooks and transcript mail',
    sql: WEBHOOKS_MIGRATION_SQL + TRANSCRIPTS_MIGRATION_SQL,
  },
  { version: 9, name: 'export jobs', sql: EXPORTS_MIGRATION_SQL },
];
