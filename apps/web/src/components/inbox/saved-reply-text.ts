import type { SavedReply } from '../../node/protocol';

/** The `/partial` being typed at the caret, which the reply box completes from saved replies. */
export interface ShortcodeQuery {
  /** Where the `/` is: the completion replaces text from here to the caret. */
  start: number;
  end: number;
  partial: string;
}

/**
 * The shortcode being typed just before `caret`: a `/` at the start of the text or after white
 * space, followed by shortcode characters only (so "and/or" or a URL never opens the list).
 */
export function shortcodeAt(text: string, caret: number): ShortcodeQuery | null {
  const match = /(^|\s)\/([a-z0-9_-]{0,32})$/i.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: match.index + match[1].length, end: caret, partial: match[2].toLowerCase() };
}

/** Saved replies for a partial shortcode: those that start with it first, then those that contain it. */
export function matchSavedReplies(replies: readonly SavedReply[], partial: string, limit = 8): SavedReply[] {
  const byCode = [...replies].sort((a, b) => a.shortcode.localeCompare(b.shortcode));
  const starting = byCode.filter((reply) => reply.shortcode.startsWith(partial));
  const containing = byCode.filter(
    (reply) => !reply.shortcode.startsWith(partial) && reply.shortcode.includes(partial),
  );
  return [...starting, ...containing].slice(0, limit);
}

/** Values a saved reply may use as `{{name}}`; a missing value leaves the placeholder to fill in by hand. */
export type ReplyVariables = Record<string, string | null | undefined>;

export const REPLY_VARIABLE_NAMES = ['contact.name', 'contact.handle', 'channel', 'me.name'] as const;

/** Fills `{{ name }}` placeholders; unknown or empty ones stay as written, so the person sees them before sending. */
export function fillVariables(template: string, variables: ReplyVariables): string {
  return template.replace(/\{\{\s*([a-z][a-z0-9_.]*)\s*\}\}/gi, (placeholder, name: string) => {
    const value = variables[name.toLowerCase()];
    return value ? value : placeholder;
  });
}

/** The text with the `/partial` replaced by `replacement`, and where the caret goes after it. */
export function insertAt(text: string, query: ShortcodeQuery, replacement: string): { text: string; caret: number } {
  return {
    text: text.slice(0, query.start) + replacement + text.slice(query.end),
    caret: query.start + replacement.length,
  };
}
