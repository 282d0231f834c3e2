/**
 * Node migration v7: the knowledge base. Sources (uploaded files, URLs, site crawls, typed Q&A),
 * their chunks, an FTS5 index over the chunks (BM25, kept in step by triggers) and the bytes of
 * uploaded files (kept so a refresh can re-extract them). Embeddings are float32 blobs on the chunk.
 */
export const KNOWLEDGE_MIGRATION_SQL = `
  CREATE TABLE kb_sources (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('file', 'url', 'site', 'qa')),
    title        TEXT NOT NULL,
    location     TEXT,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'fetching', 'indexing', 'ready', 'failed')),
    error        TEXT,
    pages        INTEGER NOT NULL DEFAULT 0,
    chunks       INTEGER NOT NULL DEFAULT 0,
    bytes        INTEGER NOT NULL DEFAULT 0,
    embedded     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  );
  CREATE INDEX kb_sources_by_status ON kb_sources (status, updated_at);

  -- The original upload (files) or the typed answer (Q&A), for refreshes.
  CREATE TABLE kb_source_bodies (
    source_id TEXT PRIMARY KEY REFERENCES kb_sources(id) ON DELETE CASCADE,
    filename  TEXT,
    body      BLOB NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE kb_chunks (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL REFERENCES kb_sources(id) ON DELETE CASCADE,
    title     TEXT NOT NULL,
    url       TEXT,
    text      TEXT NOT NULL,
    embedding BLOB
  );
  CREATE INDEX kb_chunks_by_source ON kb_chunks (source_id);

  CREATE VIRTUAL TABLE kb_chunks_fts USING fts5(
    title, text, content='kb_chunks', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER kb_chunks_ai AFTER INSERT ON kb_chunks BEGIN
    INSERT INTO kb_chunks_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
  END;
  CREATE TRIGGER kb_chunks_ad AFTER DELETE ON kb_chunks BEGIN
    INSERT INTO kb_chunks_fts (kb_chunks_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
  END;
`;
