/**
 * Part of node migration v8: transcripts mailed by the node. A row is one transcript to send
 * (a conversation up to a message); resolving a conversation queues one by trigger, in the
 * same transaction, while transcripts are enabled; the idle scan queues the others. Erasing
 * the conversation removes its rows (the transcript is built from the messages when sent).
 */
export const TRANSCRIPTS_MIGRATION_SQL = `
  CREATE TABLE transcript_mails (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    reason          TEXT NOT NULL CHECK (reason IN ('resolved', 'idle')),
    upto_message_id INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    UNIQUE (conversation_id, upto_message_id)
  );
  CREATE INDEX transcript_mails_due ON transcript_mails (next_attempt_at) WHERE status = 'pending';

  CREATE TRIGGER transcript_on_resolved AFTER UPDATE OF status ON conversations
    WHEN new.status = 'resolved' AND old.status <> 'resolved'
      AND EXISTS (SELECT 1 FROM settings WHERE key = 'transcripts.settings' AND json_extract(value, '$.enabled') = 1)
      AND EXISTS (SELECT 1 FROM messages WHERE conversation_id = new.id) BEGIN
    INSERT OR IGNORE INTO transcript_mails (conversation_id, reason, upto_message_id, status, next_attempt_at, created_at)
      SELECT new.id, 'resolved', MAX(id), 'pending', CAST(unixepoch('subsec') * 1000 AS INTEGER),
        CAST(unixepoch('subsec') * 1000 AS INTEGER)
      FROM messages WHERE conversation_id = new.id;
  END;
`;
