import type { NodeLogger } from '../logging/logger';
import type { KnowledgeAnswer, KnowledgeContext } from './retrieval';

/** Channels whose end users see links in a reply (the chat API returns sources as data instead). */
const SHOWS_LINKS = new Set(['telegram', 'whatsapp', 'web']);

/** The knowledge part of one model call, as the reply worker uses it. */
export interface PromptKnowledge {
  /** The agent's instructions with the knowledge section appended. */
  system(instructions: string): string;
  /** The model's reply with its sources, on channels that show links. */
  cite(reply: string): string;
}

const NONE: PromptKnowledge = { system: (i) => i, cite: (r) => r };

/** Asks the knowledge base about an inbound text; a failure costs the knowledge, never the reply. */
export async function knowledgeFor(
  knowledge: KnowledgeContext | undefined,
  agentId: string,
  text: string | null,
  channelType: string,
  logger: NodeLogger,
): Promise<PromptKnowledge> {
  if (!knowledge || !text) return NONE;
  let answer: KnowledgeAnswer;
  try {
    answer = await knowledge.forQuestion(agentId, text);
  } catch (err) {
    logger.warn({ err }, 'knowledge retrieval failed: answering without it');
    return NONE;
  }
  return {
    system: (instructions) => `${instructions}${answer.promptSection}`,
    cite: (reply) => (SHOWS_LINKS.has(channelType) ? knowledge.cite(reply, answer) : reply),
  };
}
