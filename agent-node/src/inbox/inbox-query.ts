import { NODE_ERROR, NodeError } from '../http/node-error';

/**
 * Turns what a person typed into a safe FTS5 query: every word becomes a quoted prefix term
 * (all must match), so FTS5 operators and stray quotes in the input are plain text.
 */
export function ftsQuery(input: string): string | undefined {
  const words = input.match(/[\p{L}\p{N}]+/gu);
  if (!words) return undefined;
  return words
    .slice(0, 10)
    .map((word) => `"${word}"*`)
    .join(' ');
}

/** Keyset cursor of the conversation list: the last row's (last message time, id). */
export function encodeCursor(row: { readonly lastMessageAt: number; readonly id: string }): string {
  return Buffer.from(`${row.lastMessageAt}:${row.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { lastMessageAt: number; id: string } {
  const match = /^(\d{1,15}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new NodeError(NODE_ERROR.validationFailed, 'before is not a cursor this node gave out');
  return { lastMessageAt: Number(match[1]), id: match[2] };
}
