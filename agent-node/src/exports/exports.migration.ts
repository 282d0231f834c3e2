/**
 * Node migration v9: exports become background jobs. A row exists from the request on
 * (`building`), so a job survives a restart (the node builds it again) and a second request while
 * one builds gets the same job; the partial unique index makes "one export at a time" a fact of
 * the table. `expires_at` is set once the job ends (ready: the link's expiry; failed: when the row
 * is forgotten), and the sweeper deletes rows and archives past it. SQLite cannot relax NOT NULL
 * columns: the table is rebuilt (nothing references it). Archives built before v9 stay ready;
 * their counts were answered synchronously then and are not kept (0).
 */
export const EXPORTS_MIGRATION_SQL = `
  CREATE TABLE exports_v9 (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('building', 'ready', 'failed')),
    ttl_seconds   INTEGER NOT NULL,
    requested_at  INTEGER NOT NULL,
    expires_at    INTEGER,
    conversations INTEGER,
    messages      INTEGER,
    bytes         INTEGER,
    sha256        TEXT,
    error_code    TEXT
  );
  INSERT INTO exports_v9 (id, state, ttl_seconds, requested_at, expires_at, conversations, messages, bytes, sha256)
    SELECT id, 'ready', (expires_at - created_at) / 1000, created_at, expires_at, 0, 0, bytes, sha256 FROM exports;
  DROP TABLE exports;
  ALTER TABLE exports_v9 RENAME TO exports;
  CREATE UNIQUE INDEX exports_one_building ON exports (state) WHERE state = 'building';
`;
