import type { SavedReply, SavedReplyInput } from '@enclave/node-protocol';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { SavedRepliesRepository, SavedReplyRow } from './saved-replies.repository';

const toSavedReply = (row: SavedReplyRow): SavedReply => ({
  id: row.id,
  shortcode: row.shortcode,
  text: row.text,
  updatedAt: new Date(row.updatedAt).toISOString(),
});

/** Saved replies: one text per `/shortcode`, managed by admins, used by everyone in the reply box. */
export class SavedRepliesService {
  constructor(private readonly repository: SavedRepliesRepository) {}

  list(): SavedReply[] {
    return this.repository.list().map(toSavedReply);
  }

  create(input: SavedReplyInput, now = Date.now()): SavedReply {
    this.assertFree(input.shortcode);
    return toSavedReply(this.repository.create(input.shortcode, input.text, now));
  }

  update(id: number, input: SavedReplyInput, now = Date.now()): SavedReply {
    if (!this.repository.get(id)) throw new NodeError(NODE_ERROR.notFound, 'no such saved reply');
    this.assertFree(input.shortcode, id);
    this.repository.update(id, input.shortcode, input.text, now);
    return toSavedReply(this.repository.get(id) as SavedReplyRow);
  }

  delete(id: number): void {
    if (!this.repository.delete(id)) throw new NodeError(NODE_ERROR.notFound, 'no such saved reply');
  }

  private assertFree(shortcode: string, exceptId?: number): void {
    const existing = this.repository.findByShortcode(shortcode);
    if (existing && existing.id !== exceptId) {
      throw new NodeError(NODE_ERROR.conflict, `the shortcode /${shortcode} is taken`);
    }
  }
}
