import type { Db } from '../storage/database';

export interface SavedReplyRow {
  readonly id: number;
  readonly shortcode: string;
  readonly text: string;
  readonly updatedAt: number;
}

const COLUMNS = 'id, shortcode, text, updated_at AS updatedAt';

/** Saved replies of the workspace (`/shortcode` in the reply box). */
export class SavedRepliesRepository {
  constructor(private readonly db: Db) {}

  list(): SavedReplyRow[] {
    return this.db.prepare<[], SavedReplyRow>(`SELECT ${COLUMNS} FROM saved_replies ORDER BY shortcode`).all();
  }

  get(id: number): SavedReplyRow | undefined {
    return this.db.prepare<[number], SavedReplyRow>(`SELECT ${COLUMNS} FROM saved_replies WHERE id = ?`).get(id);
  }

  findByShortcode(shortcode: string): SavedReplyRow | undefined {
    return this.db
      .prepare<[string], SavedReplyRow>(`SELECT ${COLUMNS} FROM saved_replies WHERE shortcode = ?`)
      .get(shortcode);
  }

  create(shortcode: string, text: string, now: number): SavedReplyRow {
    const id = Number(
      this.db
        .prepare('INSERT INTO saved_replies (shortcode, text, updated_at) VALUES (?, ?, ?)')
        .run(shortcode, text, now).lastInsertRowid,
    );
    return { id, shortcode, text, updatedAt: now };
  }

  update(id: number, shortcode: string, text: string, now: number): boolean {
    return (
      this.db
        .prepare('UPDATE saved_replies SET shortcode = ?, text = ?, updated_at = ? WHERE id = ?')
        .run(shortcode, text, now, id).changes > 0
    );
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM saved_replies WHERE id = ?').run(id).changes > 0;
  }
}
