/**
 * Node migration v8: outbound webhooks. Events are written by triggers in the transaction of
 * the change that causes them (a conversation created, a message stored or sent, a handoff, a
 * resolve), so no path of the pipeline can forget one and none is written for a change that
 * rolled back; they are only written while an endpoint is enabled. The dispatcher turns each
 * event into one delivery per subscribed endpoint — the delivery's id is the `webhook-id`, fixed
 * before the first attempt, so retries and restarts repeat it — and the sender works the
 * deliveries off with retries. Erasing a conversation (or the retention purge) takes the
 * content out of the queue and the log in the same transaction.
 */
export const WEBHOOKS_MIGRATION_SQL = `
  -- As configured by the control plane (applyConfig). A 410 from the receiver disables it here
  -- (node_disabled_at) until the control plane sends the endpoint again with another updated_at.
  CREATE TABLE webhook_endpoints (
    id                   TEXT PRIMARY KEY,
    url                  TEXT NOT NULL,
    events               TEXT NOT NULL,
    enabled              INTEGER NOT NULL,
    updated_at           TEXT NOT NULL,
    node_disabled_at     INTEGER,
    node_disabled_reason TEXT
  );

  CREATE TABLE webhook_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    type            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    message_id      INTEGER,
    -- Event fields that are not in the conversation (lead.created: the pre-chat answers), JSON.
    data            TEXT,
    at              INTEGER NOT NULL
  );

  CREATE TABLE webhook_deliveries (
    -- The webhook-id header: msg_<random>, the same on every attempt.
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    conversation_id TEXT,
    message_id      INTEGER,
    -- The exact JSON body sent on every attempt; NULL once its conversation or message is erased.
    body            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'erased', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_attempt_at INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    last_duration_ms INTEGER,
    -- Attempts before the last replay: the retry schedule counts from there.
    retry_base      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
  CREATE INDEX webhook_deliveries_by_conversation ON webhook_deliveries (conversation_id);
  CREATE INDEX webhook_deliveries_by_message ON webhook_deliveries (message_id) WHERE message_id IS NOT NULL;

  CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
  ) WITHOUT ROWID;

  -- What the control plane must hear (an endpoint the node disabled after a 410): ids only,
  -- sent with the next heartbeat and deleted once it is acknowledged.
  CREATE TABLE webhook_notices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status      INTEGER,
    at          INTEGER NOT NULL
  );

  CREATE TRIGGER webhook_event_conversation_started AFTER INSERT ON conversations
    WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1 AND node_disabled_at IS NULL) BEGIN
    INSERT INTO webhook_events (type, conversation_id, at) VALUES ('conversation.started', new.id, new.created_at);
  END;
  CREATE TRIGGER webhook_event_message_received AFTER INSERT ON messages
    WHEN new.direction = 'in'
      AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1 AND node_disabled_at IS NULL) BEGIN
    INSERT INTO webhook_events (type, conversation_id, message_id, at)
      VALUES ('message.received', new.conversation_id, new.id, new.created_at);
  END;
  CREATE TRIGGER webhook_event_message_sent AFTER UPDATE OF delivery_status ON messages
    WHEN new.direction = 'out' AND new.delivery_status = 'sent'
      AND (old.delivery_status IS NULL OR old.delivery_status IN ('pending', 'sending'))
      AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1 AND node_disabled_at IS NULL) BEGIN
    INSERT INTO webhook_events (type, conversation_id, message_id, at)
      VALUES ('message.sent', new.conversation_id, new.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
  END;
  CREATE TRIGGER webhook_event_handoff AFTER INSERT ON control_plane_outbox
    WHEN new.type = 'handoff_requested'
      AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1 AND node_disabled_at IS NULL) BEGIN
    INSERT INTO webhook_events (type, conversation_id, at)
      VALUES ('conversation.handoff_requested', new.conversation_id, new.at);
  END;
  CREATE TRIGGER webhook_event_resolved AFTER UPDATE OF status ON conversations
    WHEN new.status = 'resolved' AND old.status <> 'resolved'
      AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1 AND node_disabled_at IS NULL) BEGIN
    INSERT INTO webhook_events (type, conversation_id, at)
      VALUES ('conversation.resolved', new.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
  END;

  -- Erasure reaches the queue and the log: events go, bodies are emptied, unsent ones are not sent.
  CREATE TRIGGER webhook_conversation_erased AFTER DELETE ON conversations BEGIN
    DELETE FROM webhook_events WHERE conversation_id = old.id;
    UPDATE webhook_deliveries SET body = NULL,
      status = CASE WHEN status = 'pending' THEN 'erased' ELSE status END, next_attempt_at = NULL
      WHERE conversation_id = old.id;
  END;
  CREATE TRIGGER webhook_message_erased AFTER DELETE ON messages BEGIN
    DELETE FROM webhook_events WHERE message_id = old.id;
    UPDATE webhook_deliveries SET body = NULL,
      status = CASE WHEN status = 'pending' THEN 'erased' ELSE status END, next_attempt_at = NULL
      WHERE message_id = old.id;
  END;
`;
