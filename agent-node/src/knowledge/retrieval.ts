import type { EmbeddingClient } from './embeddings';
import type { ChunkHit, KnowledgeRepository } from './knowledge.repository';
import { VectorIndex } from './vector-index';

/** A source the reply may cite. */
export interface CitedSource {
  readonly n: number;
  readonly title: string;
  readonly url: string | null;
}

/** What retrieval adds to a model call. */
export interface KnowledgeAnswer {
  /** Appended to the agent's instructions (business profile, knowledge excerpts or the no-answer rule); '' when there is nothing to add. */
  readonly promptSection: string;
  /** The sources of the excerpts, numbered as in the prompt. */
  readonly sources: readonly CitedSource[];
  /** Chunk ids put into the prompt, best first. */
  readonly chunkIds: readonly number[];
}

/**
 * The retrieval seam: the reply worker (and the chat API) ask it for the prompt section of a
 * question. Exported from agent-node/src/knowledge/index.ts.
 */
export interface KnowledgeContext {
  forQuestion(agentId: string, text: string): Promise<KnowledgeAnswer>;
  /** The reply with its sources added (channels that show links), from the answer it was given. */
  cite(reply: string, answer: KnowledgeAnswer): string;
}

export type NoAnswerPolicy = 'say' | 'handoff';

export interface RetrievalOptions {
  readonly topK: number;
  /** Cosine below which a vector-only match is not relevant. */
  readonly minCosine: number;
  /** Characters of excerpts the prompt may carry. */
  readonly promptChars: number;
}

const RRF_K = 60;
const STOPWORDS = new Set(
  'a an and are as at be but by can do does for from has have how i if in is it its me my no not of on or our so that the their them there they this to was we what when where which who why will with you your'.split(
    ' ',
  ),
);

/** The question's words as an FTS5 query: each a quoted term, any may match (BM25 ranks). */
export function ftsQuery(text: string): string | undefined {
  const words = [
    ...new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1 && !STOPWORDS.has(w))),
  ];
  return words.length
    ? words
        .slice(0, 32)
        .map((w) => `"${w}"`)
        .join(' OR ')
    : undefined;
}

/**
 * Hybrid search: BM25 over the FTS5 index always; with embeddings (an OpenAI key), the
 * question's vector against every stored one, the two rankings fused by reciprocal rank.
 */
export class Retriever {
  private readonly vectors: VectorIndex;

  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly embeddings: Pick<EmbeddingClient, 'embed'>,
    private readonly options: RetrievalOptions,
  ) {
    this.vectors = new VectorIndex(repo);
  }

  async search(text: string, openaiKey: string | undefined, k = this.options.topK): Promise<ChunkHit[]> {
    const match = ftsQuery(text);
    const bm25 = match ? this.repo.searchText(match, k * 4) : [];
    let vector: { id: number; score: number }[] = [];
    if (openaiKey) {
      const [q] = await this.embeddings.embed(openaiKey, [text]).catch(() => [undefined]);
      if (q) vector = this.vectors.nearest(q, k * 4, this.options.minCosine);
    }
    if (vector.length === 0) return bm25.slice(0, k);
    const scores = new Map<number, number>();
    bm25.forEach((h, i) => scores.set(h.id, (scores.get(h.id) ?? 0) + 1 / (RRF_K + i + 1)));
    vector.forEach((h, i) => scores.set(h.id, (scores.get(h.id) ?? 0) + 1 / (RRF_K + i + 1)));
    const ids = [...scores.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([id]) => id);
    return this.repo.chunks(ids);
  }
}

/** The prompt section for retrieved excerpts, numbered by source. */
export function excerptSection(
  hits: readonly ChunkHit[],
  promptChars: number,
): { text: string; sources: CitedSource[]; chunkIds: number[] } {
  const sources: CitedSource[] = [];
  const chunkIds: number[] = [];
  const parts: string[] = [];
  let used = 0;
  for (const h of hits) {
    if (used + h.text.length > promptChars && parts.length > 0) break;
    let source = sources.find((s) => s.title === h.title && s.url === h.url);
    if (!source) {
      source = { n: sources.length + 1, title: h.title, url: h.url };
      sources.push(source);
    }
    used += h.text.length;
    chunkIds.push(h.id);
    parts.push(`[${source.n}] ${h.title}${h.url ? ` (${h.url})` : ''}\n${h.text}`);
  }
  return { text: parts.join('\n\n---\n\n'), sources, chunkIds };
}
