/**
 * Schema of the team inbox (node migration 2). Live-update events are written by triggers, so
 * every path that changes a conversation — webhooks, the reply queue, retention, the inbox
 * routes — records its event in the same transaction, and none can forget to.
 */
export const INBOX_MIGRATION_SQL = `
  ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'pending', 'resolved', 'snoozed'));
  ALTER TABLE conversations ADD COLUMN snoozed_until INTEGER;
  ALTER TABLE conversations ADD COLUMN handler TEXT NOT NULL DEFAULT 'agent' CHECK (handler IN ('agent', 'human'));
  ALTER TABLE conversations ADD COLUMN assignee_id TEXT;
  ALTER TABLE conversations ADD COLUMN contact_name TEXT;
  ALTER TABLE conversations ADD COLUMN contact_handle TEXT;
  ALTER TABLE conversations ADD COLUMN language TEXT;
  ALTER TABLE conversations ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE conversations ADD COLUMN trashed_at INTEGER;
  CREATE INDEX conversations_by_last_message ON conversations (last_message_at, id);
  CREATE INDEX conversations_trashed ON conversations (trashed_at) WHERE trashed_at IS NOT NULL;

  -- The team member who wrote an outbound message (NULL: the agent or the node).
  ALTER TABLE messages ADD COLUMN author_id TEXT;

  -- Reply jobs gain an origin: 'agent' jobs answer an inbound message with the model; 'team'
  -- jobs carry a person's reply or a handoff notice (no inbound message, already 'ready').
  CREATE TABLE reply_jobs_v2 (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    origin             TEXT NOT NULL DEFAULT 'agent' CHECK (origin IN ('agent', 'team')),
    inbound_message_id INTEGER UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    conversation_id    TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'sent', 'failed', 'skipped')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    send_attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    INTEGER NOT NULL,
    reply_message_id   INTEGER,
    last_error         TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    CHECK (origin = 'team' OR inbound_message_id IS NOT NULL)
  );
  INSERT INTO reply_jobs_v2 (id, inbound_message_id, conversation_id, state, attempts, send_attempts,
      next_attempt_at, reply_message_id, last_error, created_at, updated_at)
    SELECT id, inbound_message_id, conversation_id, state, attempts, send_attempts,
      next_attempt_at, reply_message_id, last_error, created_at, updated_at FROM reply_jobs;
  DROP TABLE reply_jobs;
  ALTER TABLE reply_jobs_v2 RENAME TO reply_jobs;
  CREATE INDEX reply_jobs_open ON reply_jobs (conversation_id, id) WHERE state IN ('pending', 'ready');

  CREATE TABLE conversation_tags (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tag             TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
  ) WITHOUT ROWID;
  CREATE INDEX conversation_tags_by_tag ON conversation_tags (tag);

  -- Internal notes: never sent to the end user.
  CREATE TABLE notes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_id       TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
  );
  CREATE INDEX notes_by_conversation ON notes (conversation_id, id);

  CREATE TABLE saved_replies (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    shortcode  TEXT NOT NULL UNIQUE,
    text       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );

  -- Full-text search over message texts; the triggers keep it exact, so erasing a conversation
  -- (or the retention purge) removes its index rows in the same transaction.
  CREATE VIRTUAL TABLE messages_fts USING fts5(text, content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2');
  INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE text IS NOT NULL;
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.text IS NOT NULL BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.text IS NOT NULL BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;

  -- A message from the end user makes the conversation unread and brings it back to the open
  -- inbox if it was resolved, snoozed or in the trash.
  CREATE TRIGGER inbox_inbound_reopens AFTER INSERT ON messages WHEN new.direction = 'in' BEGIN
    UPDATE conversations SET unread = unread + 1,
      status = CASE WHEN status IN ('resolved', 'snoozed') THEN 'open' ELSE status END,
      snoozed_until = CASE WHEN status IN ('resolved', 'snoozed') THEN NULL ELSE snoozed_until END,
      trashed_at = NULL
    WHERE id = new.conversation_id;
  END;

  -- Live updates: a monotonic sequence the inbox streams (SSE ids) and resumes from.
  CREATE TABLE inbox_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    type            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    at              INTEGER NOT NULL
  );
  CREATE TRIGGER inbox_event_message AFTER INSERT ON messages BEGIN
    INSERT INTO inbox_events (type, conversation_id, at) VALUES ('message.created', new.conversation_id, new.created_at);
  END;
  CREATE TRIGGER inbox_event_delivery AFTER UPDATE OF delivery_status ON messages BEGIN
    INSERT INTO inbox_events (type, conversation_id, at)
      VALUES ('message.updated', new.conversation_id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
  END;
  CREATE TRIGGER inbox_event_note AFTER INSERT ON notes BEGIN
    INSERT INTO inbox_events (type, conversation_id, at) VALUES ('note.created', new.conversation_id, new.created_at);
  END;
  CREATE TRIGGER inbox_event_conversation AFTER UPDATE OF status, snoozed_until, handler, assignee_id, trashed_at
    ON conversations BEGIN
    INSERT INTO inbox_events (type, conversation_id, at)
      VALUES ('conversation.updated', new.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
  END;
  CREATE TRIGGER inbox_event_tag_added AFTER INSERT ON conversation_tags BEGIN
    INSERT INTO inbox_events (type, conversation_id, at)
      VALUES ('conversation.updated', new.conversation_id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
  END;
  CREATE TRIGGER inbox_event_tag_removed AFTER DELETE ON conversation_tags BEGIN
    INSERT INTO inbox_events (type, conversation_id, at)
      VALUES ('conversation.updated', old.conversation_id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
  END;
  CREATE TRIGGER inbox_event_erased AFTER DELETE ON conversations BEGIN
    INSERT INTO inbox_events (type, conversation_id, at)
      VALUES ('conversation.erased', old.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
  END;

  -- Events the control plane must hear about (handoffs to notify, trash/restore/erase to audit):
  -- ids and counts only, sent with the next heartbeat and deleted once it is acknowledged.
  CREATE TABLE control_plane_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    type            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    actor_user_id   TEXT,
    messages        INTEGER,
    at              INTEGER NOT NULL
  );
`;
