import type { Capability, NodeContext } from '../capability';
import { CRAWLER_USER_AGENT, type CrawlLimits } from './crawler';
import { EmbeddingClient } from './embeddings';
import { Extractor } from './extractor/extractor';
import { IngestService } from './ingest.service';
import { NodeKnowledgeContext } from './knowledge-context';
import { KnowledgeSettingsStore } from './knowledge-settings';
import { KnowledgeRepository } from './knowledge.repository';
import { knowledgeRoutes } from './knowledge.routes';
import { KnowledgeService } from './knowledge.service';
import { ProfileService } from './profile.service';
import { Retriever, type KnowledgeContext } from './retrieval';
import type { SafeFetchOptions } from './safe-fetch';

/**
 * The knowledge base: documents, pages and Q&A the agent answers from. Customer content, so it
 * lives only here: uploads come straight from the browser, pages are fetched by the node, the
 * control plane hears counts. Parsing runs in a child process (extractor/), never in the node.
 */
export class KnowledgeCapability implements Capability {
  readonly name = 'knowledge';
  readonly repo: KnowledgeRepository;
  readonly ingest: IngestService;
  readonly service: KnowledgeService;
  readonly extractor: Extractor;
  /** The retrieval seam for the reply worker and the chat API. */
  readonly context: KnowledgeContext;

  constructor(private readonly ctx: NodeContext) {
    const k = ctx.cfg.knowledge;
    this.repo = new KnowledgeRepository(ctx.db);
    this.extractor = new Extractor({
      maxHeapMb: k.extractorHeapMb,
      maxRssMb: k.extractorRssMb,
      timeoutMs: k.extractorTimeoutMs,
      idleMs: k.extractorIdleMs,
    });
    const fetchOptions: SafeFetchOptions = {
      allowHosts: k.testAllowHosts,
      maxBytes: k.maxPageBytes,
      timeoutMs: k.fetchTimeoutMs,
      maxRedirects: 5,
      userAgent: CRAWLER_USER_AGENT,
    };
    const limits: CrawlLimits = {
      maxPages: k.crawlMaxPages,
      maxDepth: k.crawlMaxDepth,
      delayMs: k.crawlDelayMs,
      maxPdfPages: k.maxPdfPages,
      maxUnzippedBytes: k.maxUnzippedBytes,
      maxChars: k.maxChars,
    };
    const embeddings = new EmbeddingClient(
      ctx.cfg.providers.openaiBaseUrl ?? 'https://api.openai.com/v1',
      ctx.cfg.model.timeoutMs,
    );
    const extract = this.extractor.extract.bind(this.extractor);
    const store = new KnowledgeSettingsStore(ctx.settings);
    this.ingest = new IngestService({
      repo: this.repo,
      extract,
      fetchOptions,
      limits,
      embeddings,
      openaiKey: () => this.openaiKey(),
      logger: ctx.logger,
    });
    const profiles = new ProfileService({
      store,
      models: ctx.models,
      config: ctx.config,
      secrets: ctx.secrets,
      fetchOptions,
      limits,
      extract,
    });
    this.service = new KnowledgeService(this.repo, this.ingest, store, profiles, () => this.openaiKey() !== undefined);
    const retriever = new Retriever(this.repo, embeddings, {
      topK: k.topK,
      minCosine: k.minCosine,
      promptChars: k.promptChars,
    });
    this.context = new NodeKnowledgeContext(
      this.repo,
      retriever,
      store,
      (agentId) => this.openaiKey(agentId),
      k.promptChars,
    );
  }

  routes() {
    return knowledgeRoutes(this.service, this.ctx.cfg.knowledge.maxFileBytes);
  }

  start(): void {
    this.repo.requeueInterrupted();
    void this.ingest.kick();
  }

  async stop(): Promise<void> {
    await this.ingest.stop();
    this.extractor.stop();
  }

  heartbeat() {
    const { sources, chunks, bytes } = this.repo.counts();
    return { knowledge: { sources, chunks, bytes } };
  }

  /** The workspace's OpenAI key (the agent's, the node-wide one, or any agent's): embeddings use it. */
  private openaiKey(agentId?: string): string | undefined {
    const { secrets, config } = this.ctx;
    return (
      secrets.resolve('openai_api_key', agentId) ??
      config
        .listAgents()
        .map((a) => secrets.resolve('openai_api_key', a.id))
        .find((key) => key !== undefined)
    );
  }
}
