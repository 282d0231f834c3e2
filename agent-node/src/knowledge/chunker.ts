/** ~400 tokens per chunk (≈ 4 characters a token in English prose), with ~60 tokens of overlap. */
export const CHUNK_CHARS = 1_600;
export const OVERLAP_CHARS = 240;

/**
 * Splits text into chunks of about CHUNK_CHARS, cutting at paragraph, then sentence, then word
 * boundaries; each chunk after the first repeats the tail of the previous one (OVERLAP_CHARS),
 * so an answer that straddles a cut is still found whole in one of them.
 */
export function chunkText(text: string, size = CHUNK_CHARS, overlap = OVERLAP_CHARS): string[] {
  const clean = text.trim();
  if (clean.length <= size) return clean ? [clean] : [];
  const chunks: string[] = [];
  let start = 0;
  while (start < clean.length) {
    let end = Math.min(clean.length, start + size);
    if (end < clean.length) end = cutPoint(clean, start, end);
    chunks.push(clean.slice(start, end).trim());
    if (end >= clean.length) break;
    const next = end - overlap;
    // Start the overlap at a word boundary; always move forward.
    const space = clean.indexOf(' ', next);
    start = Math.max(start + 1, space > next && space < end ? space + 1 : next);
  }
  return chunks.filter((c) => c.length > 0);
}

function cutPoint(text: string, start: number, end: number): number {
  const window = text.slice(start, end);
  const minimum = Math.floor(window.length * 0.5);
  for (const boundary of ['\n\n', '\n', '. ', '? ', '! ', '; ', ', ', ' ']) {
    const at = window.lastIndexOf(boundary);
    if (at >= minimum) return start + at + boundary.length;
  }
  return end;
}
