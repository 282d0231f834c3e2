import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database';

export type SourceKind = 'file' | 'url' | 'site' | 'qa';
export type SourceStatus = 'queued' | 'fetching' | 'indexing' | 'ready' | 'failed';

export interface KnowledgeSource {
  readonly id: string;
  readonly kind: SourceKind;
  readonly title: string;
  /** The URL (url, site) or the file name (file); null for Q&A. */
  readonly location: string | null;
  readonly status: SourceStatus;
  readonly error: string | null;
  readonly pages: number;
  readonly chunks: number;
  readonly bytes: number;
  /** Whether its chunks carry embeddings (semantic search), or BM25 only. */
  readonly embedded: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewChunk {
  readonly title: string;
  readonly url: string | null;
  readonly text: string;
  readonly embedding: Float32Array | null;
}

export interface ChunkHit {
  readonly id: number;
  readonly sourceId: string;
  readonly title: string;
  readonly url: string | null;
  readonly text: string;
}

const SOURCE_COLUMNS = `id, kind, title, location, status, error, pages, chunks, bytes, embedded,
  created_at AS createdAt, updated_at AS updatedAt`;

type SourceRow = Omit<KnowledgeSource, 'embedded'> & { embedded: number };
const toSource = (r: SourceRow): KnowledgeSource => ({ ...r, embedded: r.embedded === 1 });

/** Sources, chunks, the FTS5 index and uploaded bodies (tables of node migration v7). */
export class KnowledgeRepository {
  /** Sources whose chunks changed in this process since the vector index last asked. */
  private changed = new Set<string>();

  constructor(private readonly db: Db) {}

  /** The sources whose chunks changed since the last call (the vector index updates just those). */
  takeChanged(): string[] {
    const ids = [...this.changed];
    this.changed.clear();
    return ids;
  }

  create(kind: SourceKind, title: string, location: string | null, body?: { filename: string | null; bytes: Buffer }) {
    const id = randomUUID();
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO kb_sources (id, kind, title, location, status, bytes, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`,
        )
        .run(id, kind, title, location, body?.bytes.length ?? 0, now, now);
      if (body)
        this.db
          .prepare('INSERT INTO kb_source_bodies (source_id, filename, body) VALUES (?, ?, ?)')
          .run(id, body.filename, body.bytes);
    })();
    return this.get(id) as KnowledgeSource;
  }

  get(id: string): KnowledgeSource | undefined {
    const row = this.db.prepare<[string], SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM kb_sources WHERE id = ?`).get(id);
    return row && toSource(row);
  }

  list(): KnowledgeSource[] {
    return this.db
      .prepare<[], SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM kb_sources ORDER BY created_at DESC, id`)
      .all()
      .map(toSource);
  }

  body(id: string): { filename: string | null; body: Buffer } | undefined {
    return this.db
      .prepare<[string], { filename: string | null; body: Buffer }>(
        'SELECT filename, body FROM kb_source_bodies WHERE source_id = ?',
      )
      .get(id);
  }

  /** The oldest queued source, moved to 'fetching' (one worker, so no race). */
  claimNext(): KnowledgeSource | undefined {
    const row = this.db
      .prepare<[], { id: string }>("SELECT id FROM kb_sources WHERE status = 'queued' ORDER BY updated_at, id LIMIT 1")
      .get();
    if (!row) return undefined;
    this.setStatus(row.id, 'fetching');
    return this.get(row.id);
  }

  setStatus(id: string, status: SourceStatus, error: string | null = null): void {
    this.db
      .prepare('UPDATE kb_sources SET status = ?, error = ?, updated_at = ? WHERE id = ?')
      .run(status, error, Date.now(), id);
  }

  /** A source interrupted by a restart starts again. */
  requeueInterrupted(): number {
    return this.db.prepare("UPDATE kb_sources SET status = 'queued' WHERE status IN ('fetching', 'indexing')").run()
      .changes;
  }

  /** Replaces a source's chunks and marks it ready, in one transaction. */
  replaceChunks(id: string, chunks: readonly NewChunk[], pages: number, bytes: number, title?: string): boolean {
    return this.db.transaction(() => {
      if (!this.get(id)) return false; // deleted while it was being indexed
      this.db.prepare('DELETE FROM kb_chunks WHERE source_id = ?').run(id);
      const insert = this.db.prepare(
        'INSERT INTO kb_chunks (source_id, title, url, text, embedding) VALUES (?, ?, ?, ?, ?)',
      );
      for (const c of chunks) insert.run(id, c.title, c.url, c.text, c.embedding ? embeddingBlob(c.embedding) : null);
      this.changed.add(id);
      const embedded = chunks.length > 0 && chunks.every((c) => c.embedding !== null) ? 1 : 0;
      this.db
        .prepare(
          `UPDATE kb_sources SET status = 'ready', error = NULL, pages = ?, chunks = ?, bytes = ?, embedded = ?,
             title = COALESCE(?, title), updated_at = ? WHERE id = ?`,
        )
        .run(pages, chunks.length, bytes, embedded, title ?? null, Date.now(), id);
      return true;
    })();
  }

  /** Deletes a source with its chunks (the FTS rows go by trigger) and its body. */
  delete(id: string): boolean {
    this.changed.add(id);
    return this.db.prepare('DELETE FROM kb_sources WHERE id = ?').run(id).changes > 0;
  }

  /** Best BM25 matches of an FTS5 query, best first. */
  searchText(match: string, limit: number): ChunkHit[] {
    return this.db
      .prepare<[string, number], ChunkHit>(
        // Ranked in the index first, then only the best rows are read (a chunk row spans pages).
        `SELECT c.id, c.source_id AS sourceId, c.title, c.url, c.text
           FROM (SELECT rowid AS id, bm25(kb_chunks_fts, 0.5, 1.0) AS score FROM kb_chunks_fts
                  WHERE kb_chunks_fts MATCH ? ORDER BY score LIMIT ?) f
           JOIN kb_chunks c ON c.id = f.id
          ORDER BY f.score`,
      )
      .all(match, limit);
  }

  /** Stored embeddings, streamed (the caller keeps them compactly): all, or one source's. */
  *embeddings(sourceId?: string): Generator<{ id: number; sourceId: string; embedding: Float32Array }> {
    const stmt = this.db.prepare<unknown[], { id: number; sourceId: string; embedding: Buffer }>(
      `SELECT id, source_id AS sourceId, embedding FROM kb_chunks WHERE embedding IS NOT NULL${sourceId ? ' AND source_id = ?' : ''}`,
    );
    for (const row of stmt.iterate(...(sourceId ? [sourceId] : [])))
      yield { id: row.id, sourceId: row.sourceId, embedding: blobEmbedding(row.embedding) };
  }

  chunks(ids: readonly number[]): ChunkHit[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare<number[], ChunkHit>(
        `SELECT id, source_id AS sourceId, title, url, text FROM kb_chunks WHERE id IN (${ids.map(() => '?').join(',')})`,
      )
      .all(...ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ChunkHit => r !== undefined);
  }

  /** Counts for the heartbeat and the dashboard: never texts. */
  counts(): { sources: number; ready: number; failed: number; chunks: number; bytes: number } {
    return this.db
      .prepare<[], { sources: number; ready: number; failed: number; chunks: number; bytes: number }>(
        `SELECT COUNT(*) AS sources,
                COALESCE(SUM(status = 'ready'), 0) AS ready,
                COALESCE(SUM(status = 'failed'), 0) AS failed,
                COALESCE(SUM(chunks), 0) AS chunks,
                COALESCE(SUM(bytes), 0) AS bytes
           FROM kb_sources`,
      )
      .get() as { sources: number; ready: number; failed: number; chunks: number; bytes: number };
  }
}

/** float32 little-endian, as stored in kb_chunks.embedding. */
export function embeddingBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobEmbedding(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
