import * as z from 'zod/mini';

export const DEFAULT_CHAT_API_CONFIG = {
  /** Requests per minute from one client address, whatever the key (bursts of a tenth). */
  ipRequestsPerMinute: 600,
  /** Failed authentications per minute from one client address before it is refused with 429. */
  failedAuthPerMinute: 10,
  /** Characters of all messages of one request together. */
  maxInputChars: 100_000,
  maxMessages: 200,
};

/** The `chatApi` section of the node config (every field has a default). */
export const chatApiConfigSchema = z._default(
  z.strictObject({
    ipRequestsPerMinute: z._default(
      z.int().check(z.gte(1), z.lte(100_000)),
      DEFAULT_CHAT_API_CONFIG.ipRequestsPerMinute,
    ),
    failedAuthPerMinute: z._default(
      z.int().check(z.gte(1), z.lte(10_000)),
      DEFAULT_CHAT_API_CONFIG.failedAuthPerMinute,
    ),
    maxInputChars: z._default(z.int().check(z.gte(100), z.lte(2_000_000)), DEFAULT_CHAT_API_CONFIG.maxInputChars),
    maxMessages: z._default(z.int().check(z.gte(1), z.lte(10_000)), DEFAULT_CHAT_API_CONFIG.maxMessages),
  }),
  DEFAULT_CHAT_API_CONFIG,
);
export type ChatApiConfig = z.infer<typeof chatApiConfigSchema>;
