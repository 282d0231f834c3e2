import type { NodeLogger } from '../logging/logger';
import { chunkText } from './chunker';
import { crawlSite, fetchPage, type CrawlLimits, type CrawledPage, type Extract } from './crawler';
import type { EmbeddingClient } from './embeddings';
import type { KnowledgeRepository, KnowledgeSource, NewChunk } from './knowledge.repository';
import type { SafeFetchOptions } from './safe-fetch';

export interface IngestDeps {
  readonly repo: KnowledgeRepository;
  readonly extract: Extract;
  readonly fetchOptions: SafeFetchOptions;
  readonly limits: CrawlLimits;
  readonly embeddings: Pick<EmbeddingClient, 'embed'>;
  /** The workspace's OpenAI key, when it has one: chunks are embedded then. */
  readonly openaiKey: () => string | undefined;
  readonly logger: NodeLogger;
}

/** What one source yielded before indexing. */
interface Harvest {
  readonly docs: readonly { title: string; url: string | null; text: string }[];
  readonly pages: number;
  readonly bytes: number;
  readonly title?: string;
}

/**
 * Works through queued sources one at a time: fetching (uploads are read back, URLs fetched,
 * sites crawled), extraction in the child process, then indexing (chunks, FTS5, embeddings when
 * the workspace has an OpenAI key). A source that fails keeps its reason and changes nothing else.
 */
export class IngestService {
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: IngestDeps) {}

  /** Starts the worker if it is idle; resolves when the queue is empty. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    for (let source = this.deps.repo.claimNext(); source && !this.stopped; source = this.deps.repo.claimNext()) {
      try {
        await this.ingest(source);
      } catch (err) {
        this.deps.logger.error({ err, sourceId: source.id }, 'knowledge source failed unexpectedly');
        this.deps.repo.setStatus(source.id, 'failed', 'the source could not be processed');
      }
    }
  }

  private async ingest(source: KnowledgeSource): Promise<void> {
    const { repo, logger } = this.deps;
    const harvest = await this.harvest(source);
    if ('reason' in harvest) {
      repo.setStatus(source.id, 'failed', harvest.reason);
      logger.info({ sourceId: source.id, kind: source.kind }, 'knowledge source failed');
      return;
    }
    if (!repo.get(source.id)) return;
    repo.setStatus(source.id, 'indexing');
    const pieces = harvest.docs.flatMap((d) => chunkText(d.text).map((text) => ({ title: d.title, url: d.url, text })));
    const vectors = await this.embed(pieces.map((p) => `${p.title}\n${p.text}`));
    const chunks: NewChunk[] = pieces.map((p, i) => ({ ...p, embedding: vectors?.[i] ?? null }));
    repo.replaceChunks(source.id, chunks, harvest.pages, harvest.bytes, harvest.title);
    logger.info({ sourceId: source.id, kind: source.kind, chunkCount: chunks.length }, 'knowledge source indexed');
  }

  private async embed(texts: string[]): Promise<Float32Array[] | undefined> {
    const key = this.deps.openaiKey();
    if (!key || texts.length === 0) return undefined;
    try {
      return await this.deps.embeddings.embed(key, texts);
    } catch (err) {
      this.deps.logger.warn({ code: (err as { code?: string }).code }, 'embedding failed: BM25 only for this source');
      return undefined;
    }
  }

  private async harvest(source: KnowledgeSource): Promise<Harvest | { reason: string }> {
    const { repo, extract, limits, fetchOptions } = this.deps;
    if (source.kind === 'qa') {
      const body = repo.body(source.id);
      const { question, answer } = JSON.parse(body?.body.toString('utf8') ?? '{}') as {
        question: string;
        answer: string;
      };
      return {
        docs: [{ title: question, url: null, text: `Q: ${question}\nA: ${answer}` }],
        pages: 1,
        bytes: body?.body.length ?? 0,
      };
    }
    if (source.kind === 'file') {
      const body = repo.body(source.id);
      if (!body) return { reason: 'the upload is gone' };
      const result = await extract({
        bytes: body.body,
        filename: body.filename ?? source.title,
        maxPdfPages: limits.maxPdfPages,
        maxUnzippedBytes: limits.maxUnzippedBytes,
        maxChars: limits.maxChars,
      });
      if (!result.ok) return { reason: result.reason };
      return {
        docs: [{ title: result.title ?? source.title, url: null, text: result.text }],
        pages: result.pages,
        bytes: body.body.length,
      };
    }
    const location = source.location as string;
    if (source.kind === 'url') {
      const got = await fetchPage(location, fetchOptions, limits, extract);
      if ('reason' in got) return got;
      const title = got.page.title ?? location;
      return {
        docs: [{ title, url: got.page.url, text: got.page.text }],
        pages: got.page.pages,
        bytes: got.page.bytes,
        title,
      };
    }
    const pages: CrawledPage[] = [];
    const crawled = await crawlSite(location, fetchOptions, limits, extract, (p) => pages.push(p));
    if ('reason' in crawled) return crawled;
    return {
      docs: pages.map((p) => ({ title: p.title ?? p.url, url: p.url, text: p.text })),
      pages: pages.length,
      bytes: pages.reduce((n, p) => n + p.bytes, 0),
    };
  }
}
