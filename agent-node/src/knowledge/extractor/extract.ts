import { decideType, typeFromContentType, typeFromName, type DocType } from './sniff';
import { readZipDirectory } from './zip-check';

/** One document to extract, as the node sends it to the extractor child. */
export interface ExtractRequest {
  readonly bytes: Uint8Array;
  /** A file name (uploads) or a Content-Type header (fetched URLs): what the source claims to be. */
  readonly filename?: string;
  readonly contentType?: string;
  /** The page's URL, to resolve its links against. */
  readonly url?: string;
  readonly maxPdfPages: number;
  readonly maxUnzippedBytes: number;
  readonly maxChars: number;
}

export type ExtractResult =
  | {
      readonly ok: true;
      readonly type: DocType;
      readonly title: string | null;
      readonly text: string;
      readonly pages: number;
      readonly links: string[];
    }
  | { readonly ok: false; readonly reason: string };

const fail = (reason: string): ExtractResult => ({ ok: false, reason });

/** Extracts text (Markdown where structure helps) from a document, checking what it really is first. */
export async function extractDocument(req: ExtractRequest): Promise<ExtractResult> {
  const claimed = req.filename !== undefined ? typeFromName(req.filename) : typeFromContentType(req.contentType ?? '');
  const what = req.filename !== undefined ? `the file ${JSON.stringify(req.filename)}` : 'the page';
  if (req.filename !== undefined && claimed === undefined)
    return fail(`${what}: only PDF, DOCX, Markdown, HTML and plain text files are accepted`);
  if (req.filename === undefined && claimed === undefined && req.contentType)
    return fail(`the page's content type ${req.contentType.split(';')[0]} is not one the knowledge base reads`);
  const type = decideType(req.bytes, claimed, what);
  if (type !== 'pdf' && type !== 'docx' && type !== 'html' && type !== 'markdown' && type !== 'text') return fail(type);
  const buffer = Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength);
  const result = await byType(type, buffer, req);
  if (!result.ok) return result;
  const text = normalise(result.text).slice(0, req.maxChars);
  if (text.length === 0) return fail(`${what} holds no text`);
  return { ...result, text };
}

async function byType(type: DocType, buffer: Buffer, req: ExtractRequest): Promise<ExtractResult> {
  switch (type) {
    case 'pdf':
      return pdf(buffer, req.maxPdfPages);
    case 'docx':
      return docx(buffer, req.maxUnzippedBytes);
    case 'html':
      return html(buffer.toString('utf8'), req.url);
    default: {
      const text = buffer.toString('utf8').replace(/^\uFEFF/, '');
      const heading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? null;
      return { ok: true, type, title: type === 'markdown' ? heading : null, text, pages: 1, links: [] };
    }
  }
}

async function pdf(buffer: Buffer, maxPages: number): Promise<ExtractResult> {
  const { getDocumentProxy, extractText } = await import('unpdf');
  let doc: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    doc = await getDocumentProxy(new Uint8Array(buffer));
  } catch {
    return fail('the PDF is damaged or encrypted and cannot be read');
  }
  if (doc.numPages > maxPages) return fail(`the PDF has ${doc.numPages} pages; the limit is ${maxPages}`);
  const { text } = await extractText(doc, { mergePages: false });
  const info = (await doc.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
  const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : null;
  return { ok: true, type: 'pdf', title, text: text.join('\n\n'), pages: doc.numPages, links: [] };
}

async function docx(buffer: Buffer, maxUnzippedBytes: number): Promise<ExtractResult> {
  const dir = readZipDirectory(buffer);
  if (!dir) return fail('the DOCX is not a readable ZIP archive');
  if (!dir.names.includes('word/document.xml'))
    return fail('the archive is not a Word document (no word/document.xml)');
  if (dir.uncompressedBytes > maxUnzippedBytes || dir.worstRatio > 100)
    return fail(
      `the DOCX expands to ${Math.round(dir.uncompressedBytes / 1e6)} MB (compression ${Math.round(dir.worstRatio)}:1): refused as a possible zip bomb`,
    );
  const mammoth = await import('mammoth');
  const { value } = await mammoth.convertToHtml({ buffer });
  const converted = await html(`<html><body>${value}</body></html>`, undefined, false);
  return converted.ok ? { ...converted, type: 'docx' } : converted;
}

async function html(source: string, url: string | undefined, readable = true): Promise<ExtractResult> {
  const { parseHTML } = await import('linkedom');
  const { document } = parseHTML(source);
  const links: string[] = [];
  if (url) {
    for (const a of document.querySelectorAll('a[href]')) {
      try {
        const href = new URL(a.getAttribute('href') ?? '', url);
        href.hash = '';
        if (href.protocol === 'http:' || href.protocol === 'https:') links.push(href.href);
      } catch {
        // not a URL: skipped
      }
    }
  }
  const title = document.querySelector('title')?.textContent?.trim() || null;
  let content: string | null = null;
  if (readable) {
    const { Readability } = await import('@mozilla/readability');
    const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], {
      charThreshold: 100,
    }).parse();
    content = article?.content ?? null;
  }
  const TurndownService = (await import('turndown')).default;
  const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced' });
  turndown.remove(['script', 'style', 'noscript', 'iframe', 'svg', 'nav', 'footer'] as never);
  const markdown = turndown.turndown(content ?? (document.body?.innerHTML as string | undefined) ?? '');
  return { ok: true, type: 'html', title, text: markdown, pages: 1, links: [...new Set(links)] };
}

function normalise(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
