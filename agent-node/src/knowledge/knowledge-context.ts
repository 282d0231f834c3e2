import type { KnowledgeRepository } from './knowledge.repository';
import type { KnowledgeSettingsStore } from './knowledge-settings';
import { excerptSection, type KnowledgeAnswer, type KnowledgeContext, type Retriever } from './retrieval';

const NO_MATCH = {
  say: 'No excerpt of the knowledge base matches this message. If neither your instructions nor the business profile answer it, say plainly that you do not know; never invent facts, prices or policies.',
  handoff:
    'No excerpt of the knowledge base matches this message. If neither your instructions nor the business profile answer it, call the handoff_to_human tool instead of guessing; never invent facts, prices or policies.',
} as const;

const USE_EXCERPTS =
  "Answer from these excerpts of the business's knowledge base when they are relevant, and say so when they do not answer the question: never invent facts that are not in them or in your instructions. Mark what you took from an excerpt with its number, like [1].";

/**
 * The knowledge the model gets with each question: the business profile (once the customer
 * published it), the best-matching excerpts with their sources, or, when nothing matches, the
 * no-answer rule (say so, or hand off). Used by the reply worker and the chat API.
 */
export class NodeKnowledgeContext implements KnowledgeContext {
  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly retriever: Retriever,
    private readonly settings: KnowledgeSettingsStore,
    private readonly openaiKey: (agentId?: string) => string | undefined,
    private readonly promptChars: number,
  ) {}

  async forQuestion(agentId: string, text: string): Promise<KnowledgeAnswer> {
    const parts: string[] = [];
    const profile = this.settings.profile();
    if (profile?.published && profile.text.trim()) parts.push(`## About the business\n${profile.text.trim()}`);
    let sources: KnowledgeAnswer['sources'] = [];
    let chunkIds: number[] = [];
    if (this.repo.counts().ready > 0) {
      const hits = await this.retriever.search(text, this.openaiKey(agentId));
      if (hits.length === 0) parts.push(`## Knowledge base\n${NO_MATCH[this.settings.get().noAnswer]}`);
      else {
        const section = excerptSection(hits, this.promptChars);
        sources = section.sources;
        chunkIds = section.chunkIds;
        parts.push(`## Knowledge base\n${USE_EXCERPTS}\n\n${section.text}`);
      }
    }
    return { promptSection: parts.length ? `\n\n${parts.join('\n\n')}` : '', sources, chunkIds };
  }

  cite(reply: string, answer: KnowledgeAnswer): string {
    if (answer.sources.length === 0) return reply;
    const marked = new Set([...reply.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1])));
    const cited = answer.sources.filter((s) => marked.has(s.n));
    // A reply that marks nothing is attributed to the best match only.
    const listed = cited.length ? cited : answer.sources.slice(0, 1);
    const lines = listed.map((s) => `[${s.n}] ${s.title}${s.url ? `: ${s.url}` : ''}`);
    return `${reply}\n\nSources:\n${lines.join('\n')}`;
  }
}
