/** Document types the knowledge base reads. */
export type DocType = 'pdf' | 'docx' | 'html' | 'markdown' | 'text';

const TYPE_NAMES: Record<DocType, string> = {
  pdf: 'a PDF',
  docx: 'a Word document (DOCX)',
  html: 'an HTML page',
  markdown: 'Markdown',
  text: 'plain text',
};

export function typeName(t: DocType | 'zip' | 'binary'): string {
  return t === 'zip' ? 'a ZIP archive' : t === 'binary' ? 'binary data' : TYPE_NAMES[t];
}

/** The type a file name claims (undefined: not a type the knowledge base takes). */
export function typeFromName(name: string): DocType | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const byExt: Record<string, DocType> = {
    pdf: 'pdf',
    docx: 'docx',
    html: 'html',
    htm: 'html',
    md: 'markdown',
    markdown: 'markdown',
    txt: 'text',
  };
  return ext ? byExt[ext] : undefined;
}

/** The type a Content-Type header claims. */
export function typeFromContentType(header: string): DocType | undefined {
  const mime = header.split(';')[0].trim().toLowerCase();
  if (mime === 'text/html' || mime === 'application/xhtml+xml') return 'html';
  if (mime === 'application/pdf') return 'pdf';
  if (mime === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document') return 'docx';
  if (mime === 'text/markdown' || mime === 'text/x-markdown') return 'markdown';
  if (mime === 'text/plain') return 'text';
  return undefined;
}

function isUtf8Text(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    // A multi-byte sequence cut at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - 4));
    return true;
  } catch {
    return false;
  }
}

/** What the bytes are, whatever their name or header says. */
export function sniff(bytes: Uint8Array): 'pdf' | 'zip' | 'html' | 'text' | 'binary' {
  const head = bytes.subarray(0, 8192);
  const ascii = Buffer.from(head.subarray(0, 1024)).toString('latin1');
  if (ascii.startsWith('%PDF-')) return 'pdf';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (!isUtf8Text(head)) return 'binary';
  if (/^\s*(<!--[\s\S]*?-->\s*)*<(!doctype html|html|head|body)\b/i.test(ascii.replace(/^\uFEFF/, ''))) return 'html';
  return 'text';
}

/**
 * The type to extract as, or why not: the content decides; a name or header that claims
 * something else is refused ("not what its name says").
 */
export function decideType(bytes: Uint8Array, claimed: DocType | undefined, what: string): DocType | string {
  if (bytes.length === 0) return `${what} is empty`;
  const actual = sniff(bytes);
  const mismatch = (c: DocType) => `${what} is not ${typeName(c)}: its content is ${typeName(actual)}`;
  if (claimed === 'pdf') return actual === 'pdf' ? 'pdf' : mismatch(claimed);
  if (claimed === 'docx') return actual === 'zip' ? 'docx' : mismatch(claimed);
  if (actual === 'binary')
    return claimed ? mismatch(claimed) : `${what} is binary data, not a document the knowledge base reads`;
  if (claimed === undefined) return actual === 'zip' ? `${what} is a ZIP archive of unknown kind` : actual;
  // HTML, Markdown and plain text must be text.
  if (actual === 'pdf' || actual === 'zip') return mismatch(claimed);
  return claimed === 'text' && actual === 'html' ? 'html' : claimed;
}
