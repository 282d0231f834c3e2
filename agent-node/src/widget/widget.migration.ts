/**
 * Node migration v5: the website chat widget. Its conversations are ordinary conversations and
 * messages (channel type `web`); these tables add the visitor's bearer (hashed) and the widget's
 * event log, whose monotonic ids the panel resumes from (`Last-Event-ID`). Both go with their
 * conversation or message (erase, retention, wipe).
 */
export const WIDGET_MIGRATION_SQL = `
  CREATE TABLE widget_conversations (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    channel_id      TEXT NOT NULL,
    -- SHA-256 (hex) of the random conversation id the visitor's browser holds; never the id itself.
    token_hash      TEXT NOT NULL UNIQUE,
    -- The customer's user id, when identity verification vouched for it.
    user_id         TEXT,
    created_at      INTEGER NOT NULL
  );

  -- What the panel shows, in order: the visitor's messages as stored, replies and notices once sent.
  CREATE TABLE widget_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    message_id      INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL
  );
  CREATE INDEX widget_events_by_conversation ON widget_events (conversation_id, id);
`;
