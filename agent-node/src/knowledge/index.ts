/**
 * The knowledge base's retrieval seam, for whoever builds a model prompt (the reply worker, the
 * chat API's /v1/chat/completions): `capabilities.knowledge.context.forQuestion(agentId, text)`
 * → `{ promptSection, sources, chunkIds }`, and `cite(reply, answer)` for channels that show links.
 */
export type { CitedSource, KnowledgeAnswer, KnowledgeContext } from './retrieval';
export { knowledgeFor, type PromptKnowledge } from './prompt-knowledge';
