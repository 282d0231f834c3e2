import * as z from 'zod/mini';

const MB = 1024 * 1024;

export const DEFAULT_KNOWLEDGE_CONFIG = {
  /** host:port pairs the fetcher may reach although they are loopback/private: test configurations only. */
  testAllowHosts: [] as string[],
  maxFileBytes: 20 * MB,
  maxPageBytes: 5 * MB,
  maxPdfPages: 300,
  maxUnzippedBytes: 50 * MB,
  maxChars: 2_000_000,
  crawlMaxPages: 200,
  crawlMaxDepth: 3,
  crawlDelayMs: 500,
  fetchTimeoutMs: 15_000,
  extractorHeapMb: 128,
  extractorRssMb: 320,
  extractorTimeoutMs: 60_000,
  extractorIdleMs: 30_000,
  topK: 5,
  minCosine: 0.3,
  promptChars: 6_000,
};

/** The `knowledge` section of the node config: the knowledge base's caps (every field has a default). */
export const knowledgeConfigSchema = z._default(
  z.strictObject({
    testAllowHosts: z._default(z.array(z.string().check(z.regex(/^[A-Za-z0-9.-]+:\d{1,5}$/))), []),
    maxFileBytes: z._default(z.int().check(z.gte(1024), z.lte(100 * MB)), DEFAULT_KNOWLEDGE_CONFIG.maxFileBytes),
    maxPageBytes: z._default(z.int().check(z.gte(1024), z.lte(50 * MB)), DEFAULT_KNOWLEDGE_CONFIG.maxPageBytes),
    maxPdfPages: z._default(z.int().check(z.gte(1), z.lte(5000)), DEFAULT_KNOWLEDGE_CONFIG.maxPdfPages),
    maxUnzippedBytes: z._default(z.int().check(z.gte(MB)), DEFAULT_KNOWLEDGE_CONFIG.maxUnzippedBytes),
    maxChars: z._default(z.int().check(z.gte(1000)), DEFAULT_KNOWLEDGE_CONFIG.maxChars),
    crawlMaxPages: z._default(z.int().check(z.gte(1), z.lte(10_000)), DEFAULT_KNOWLEDGE_CONFIG.crawlMaxPages),
    crawlMaxDepth: z._default(z.int().check(z.gte(0), z.lte(10)), DEFAULT_KNOWLEDGE_CONFIG.crawlMaxDepth),
    crawlDelayMs: z._default(z.int().check(z.gte(0)), DEFAULT_KNOWLEDGE_CONFIG.crawlDelayMs),
    fetchTimeoutMs: z._default(z.int().check(z.gte(100)), DEFAULT_KNOWLEDGE_CONFIG.fetchTimeoutMs),
    extractorHeapMb: z._default(z.int().check(z.gte(32)), DEFAULT_KNOWLEDGE_CONFIG.extractorHeapMb),
    extractorRssMb: z._default(z.int().check(z.gte(64)), DEFAULT_KNOWLEDGE_CONFIG.extractorRssMb),
    extractorTimeoutMs: z._default(z.int().check(z.gte(1000)), DEFAULT_KNOWLEDGE_CONFIG.extractorTimeoutMs),
    extractorIdleMs: z._default(z.int().check(z.gte(0)), DEFAULT_KNOWLEDGE_CONFIG.extractorIdleMs),
    topK: z._default(z.int().check(z.gte(1), z.lte(20)), DEFAULT_KNOWLEDGE_CONFIG.topK),
    minCosine: z._default(z.number().check(z.gte(-1), z.lte(1)), DEFAULT_KNOWLEDGE_CONFIG.minCosine),
    promptChars: z._default(z.int().check(z.gte(500)), DEFAULT_KNOWLEDGE_CONFIG.promptChars),
  }),
  DEFAULT_KNOWLEDGE_CONFIG,
);

export type KnowledgeConfig = z.infer<typeof knowledgeConfigSchema>;
