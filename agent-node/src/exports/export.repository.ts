import type { Db } from '../storage/database';

export type ExportJobRowState = 'building' | 'ready' | 'failed';

/** One export job (`exports`). Times are epoch ms; the counts are set once it is ready. */
export interface ExportJobRow {
  readonly id: string;
  readonly state: ExportJobRowState;
  readonly ttlSeconds: number;
  readonly requestedAt: number;
  readonly expiresAt: number | null;
  readonly conversations: number | null;
  readonly messages: number | null;
  readonly bytes: number | null;
  readonly sha256: string | null;
  readonly errorCode: string | null;
}

export interface ArchiveFacts {
  readonly conversations: number;
  readonly messages: number;
  readonly bytes: number;
  readonly sha256: string;
}

const COLUMNS = `id, state, ttl_seconds AS ttlSeconds, requested_at AS requestedAt, expires_at AS expiresAt,
  conversations, messages, bytes, sha256, error_code AS errorCode`;

/** Export jobs and when their links expire (`exports`, node migration v9). */
export class ExportRepository {
  constructor(private readonly db: Db) {}

  /**
   * The job being built, or a new one: one export at a time (the partial unique index on
   * `state = 'building'` holds it even against a second connection), so asking twice is safe.
   */
  startOrJoin(id: string, ttlSeconds: number, requestedAt: number): ExportJobRow {
    return this.db.transaction(() => {
      const current = this.building();
      if (current) return current;
      this.db
        .prepare(`INSERT INTO exports (id, state, ttl_seconds, requested_at) VALUES (?, 'building', ?, ?)`)
        .run(id, ttlSeconds, requestedAt);
      return this.get(id) as ExportJobRow;
    })();
  }

  get(id: string): ExportJobRow | undefined {
    return this.db.prepare<[string], ExportJobRow>(`SELECT ${COLUMNS} FROM exports WHERE id = ?`).get(id);
  }

  building(): ExportJobRow | undefined {
    return this.db.prepare<[], ExportJobRow>(`SELECT ${COLUMNS} FROM exports WHERE state = 'building'`).get();
  }

  markReady(id: string, expiresAt: number, facts: ArchiveFacts): void {
    this.db
      .prepare(
        `UPDATE exports SET state = 'ready', expires_at = ?, conversations = ?, messages = ?, bytes = ?, sha256 = ?
          WHERE id = ? AND state = 'building'`,
      )
      .run(expiresAt, facts.conversations, facts.messages, facts.bytes, facts.sha256, id);
  }

  /** A failed job is kept (so a poll learns why) until `forgetAt`. */
  markFailed(id: string, errorCode: string, forgetAt: number): void {
    this.db
      .prepare(
        `UPDATE exports SET state = 'failed', error_code = ?, expires_at = ? WHERE id = ? AND state = 'building'`,
      )
      .run(errorCode, forgetAt, id);
  }

  /** Forgets the jobs whose link expired by `now`; returns their ids (their files are the caller's). */
  deleteExpired(now: number): string[] {
    return this.db.transaction(() => {
      const ids = this.db
        .prepare<[number], { id: string }>('SELECT id FROM exports WHERE expires_at <= ?')
        .all(now)
        .map((r) => r.id);
      this.db.prepare('DELETE FROM exports WHERE expires_at <= ?').run(now);
      return ids;
    })();
  }

  ids(): Set<string> {
    return new Set(
      this.db
        .prepare<[], { id: string }>('SELECT id FROM exports')
        .all()
        .map((r) => r.id),
    );
  }

  count(): number {
    return (this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM exports').get() as { n: number }).n;
  }
}
