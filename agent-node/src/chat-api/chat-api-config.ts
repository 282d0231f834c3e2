import * as z from 'zod/mini';

export const DEFAULT_CHAT_API_CONFIG = {
  /**
   * Addresses (or CIDR ranges) of reverse proxies in front of the node whose `X-Forwarded-For` is
   * believed: the client is the right-most address in it that is not a trusted proxy. Loopback by
   * default: on a host the launcher's TLS terminator pipes every connection to the node from
   * 127.0.0.1, so the peer says nothing about the client, and the edge in front writes the
   * client's address into `X-Forwarded-For`. Empty: the client is always the TCP peer.
   */
  trustedProxies: ['127.0.0.1', '::1'] as string[],
  /** Requests per minute from one client address, whatever the key (bursts of a tenth). */
  ipRequestsPerMinute: 600,
  /** Failed authentications per minute from one client address before it is refused with 429. */
  failedAuthPerMinute: 10,
  /** Characters of all messages of one request together. */
  maxInputChars: 100_000,
  maxMessages: 200,
};

const ipOrCidr = z.string().check(z.regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'an IP address or CIDR range'));

/** The `chatApi` section of the node config (every field has a default). */
export const chatApiConfigSchema = z._default(
  z.strictObject({
    trustedProxies: z._default(z.array(ipOrCidr).check(z.maxLength(50)), DEFAULT_CHAT_API_CONFIG.trustedProxies),
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
