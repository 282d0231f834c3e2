// The node's OpenAI-compatible chat API: a key's settings as the control plane keeps them and as
// the node receives them inside its `api` channel (zod/mini: the node imports this file), the
// key's hash (what the node holds), and the heartbeat's `api` counters.
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';

/** Keys look like `sk-enclave-` + 43 base64url characters (256 random bits). */
export const CHAT_API_KEY_PREFIX = 'sk-enclave-';
export const CHAT_API_KEY_SHAPE = /^sk-enclave-[A-Za-z0-9_-]{43}$/;

export const CHAT_API_LIMITS = {
  requestsPerMinute: { min: 1, max: 6000 },
  name: 100,
} as const;

/**
 * What the node stores of a key, delivered as the secret `chat_api_key` (scope: the key's id):
 * SHA-256 of the key, hex. The key has 256 random bits, so an unsalted fast hash is enough to
 * keep it from being recovered, and lets the node find a key by its hash.
 */
export function chatApiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export const chatApiLimitsSchema = z.strictObject({
  /** Sustained rate; bursts of up to a tenth of it (at least 1) are allowed. */
  requestsPerMinute: z
    .int()
    .check(z.gte(CHAT_API_LIMITS.requestsPerMinute.min), z.lte(CHAT_API_LIMITS.requestsPerMinute.max)),
});
export type ChatApiLimits = z.infer<typeof chatApiLimitsSchema>;

export const chatApiSettingsSchema = z.strictObject({
  /** Off: nothing of a request or its reply is stored on the node (counts only). */
  history: z.boolean(),
  limits: chatApiLimitsSchema,
});
export type ChatApiSettings = z.infer<typeof chatApiSettingsSchema>;

/** A chat API key as a channel of the node's config: the agent it may use and its settings. */
export const apiChannelSchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)),
  type: z.literal('api'),
  agentId: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)),
  enabled: z.boolean(),
  api: chatApiSettingsSchema,
});

/** The chat API's part of a heartbeat (absent from nodes before it): counts and key ids, never content. */
export const apiCountersSchema = z.object({
  requests: z.int(),
  /** Requests refused (authentication, limits, bad input) or failed at the provider. */
  failures: z.int(),
  /** Tokens as the provider reported them. */
  tokensIn: z.int(),
  tokensOut: z.int(),
  /** When each key was last used, for keys used since the last acknowledged beat. */
  keysLastUsed: z.optional(z.array(z.object({ id: z.string(), lastUsedAt: z.string() })).check(z.maxLength(100))),
});
export type ApiCounters = z.infer<typeof apiCountersSchema>;
