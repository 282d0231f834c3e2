import { NODE_ERROR, NodeError } from '../http/node-error';
import type { IngestService } from './ingest.service';
import type { KnowledgeRepository, KnowledgeSource } from './knowledge.repository';
import type { BusinessProfile, KnowledgeSettings, KnowledgeSettingsStore } from './knowledge-settings';
import type { ProfileService } from './profile.service';
import type { AddSource } from './knowledge.routes';

/** What the dashboard's Knowledge page shows. */
export interface KnowledgeOverview {
  readonly sources: KnowledgeSource[];
  readonly counts: ReturnType<KnowledgeRepository['counts']>;
  readonly settings: KnowledgeSettings;
  /** 'hybrid' when the workspace has an OpenAI key (BM25 + embeddings), else 'bm25'. */
  readonly search: 'hybrid' | 'bm25';
  readonly profile: BusinessProfile | null;
}

/** The knowledge base's operations behind the routes; the ingest worker does the slow part. */
export class KnowledgeService {
  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly ingest: IngestService,
    private readonly store: KnowledgeSettingsStore,
    private readonly profiles: ProfileService,
    private readonly hasOpenAiKey: () => boolean,
  ) {}

  overview(): KnowledgeOverview {
    return {
      sources: this.repo.list(),
      counts: this.repo.counts(),
      settings: this.store.get(),
      search: this.hasOpenAiKey() ? 'hybrid' : 'bm25',
      profile: this.store.profile() ?? null,
    };
  }

  add(input: AddSource): KnowledgeSource {
    const source =
      input.kind === 'qa'
        ? this.repo.create('qa', input.question, null, {
            filename: null,
            bytes: Buffer.from(JSON.stringify({ question: input.question, answer: input.answer })),
          })
        : this.repo.create(input.kind, input.url, input.url);
    void this.ingest.kick();
    return source;
  }

  upload(name: string, bytes: Buffer): KnowledgeSource {
    const source = this.repo.create('file', name, name, { filename: name, bytes });
    void this.ingest.kick();
    return source;
  }

  refresh(id: string): KnowledgeSource {
    const source = this.existing(id);
    if (source.status === 'queued' || source.status === 'fetching' || source.status === 'indexing')
      throw new NodeError(NODE_ERROR.conflict, 'the source is being processed');
    this.repo.setStatus(id, 'queued');
    void this.ingest.kick();
    return this.existing(id);
  }

  remove(id: string): { deleted: true; chunks: number } {
    const source = this.existing(id);
    this.repo.delete(id);
    return { deleted: true, chunks: source.chunks };
  }

  setSettings(settings: KnowledgeSettings): KnowledgeSettings {
    return this.store.set(settings);
  }

  draftProfile(url: string): BusinessProfile {
    if (this.store.profile()?.status === 'drafting')
      throw new NodeError(NODE_ERROR.conflict, 'a draft is being written');
    return this.profiles.startDraft(new URL('/', url));
  }

  editProfile(change: { text: string; published: boolean }): BusinessProfile {
    const current = this.store.profile();
    if (!current) throw new NodeError(NODE_ERROR.notFound, 'no profile: draft one from the domain first');
    if (current.status === 'drafting') throw new NodeError(NODE_ERROR.conflict, 'a draft is being written');
    return this.store.setProfile({ ...current, ...change, status: 'draft', error: null, updatedAt: Date.now() });
  }

  private existing(id: string): KnowledgeSource {
    const source = this.repo.get(id);
    if (!source) throw new NodeError(NODE_ERROR.notFound, 'no such source');
    return source;
  }
}
