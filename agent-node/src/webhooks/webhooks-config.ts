import * as z from 'zod/mini';

export const DEFAULT_WEBHOOKS_CONFIG = {
  /** host:port pairs that may be plain http and loopback/private: test configurations only. */
  testAllowHosts: [] as string[],
  /** One attempt's deadline, redirects included. */
  timeoutMs: 15_000,
  /** Bytes of a receiver's answer kept for the log; the rest is not read. */
  maxResponseBytes: 4_096,
  maxRedirects: 3,
  /** Deliveries in flight at once (across endpoints). */
  concurrency: 4,
  /** How often the sender looks for due deliveries when nothing woke it. */
  pollMs: 1_000,
  /** Finished deliveries (and their attempts) stay in the log this long. */
  logDays: 30,
};

/** The `webhooks` section of the node config (every field has a default). */
export const webhooksConfigSchema = z._default(
  z.strictObject({
    testAllowHosts: z._default(z.array(z.string().check(z.regex(/^[A-Za-z0-9.:-]+:\d{1,5}$/))), []),
    timeoutMs: z._default(z.int().check(z.gte(100), z.lte(60_000)), DEFAULT_WEBHOOKS_CONFIG.timeoutMs),
    maxResponseBytes: z._default(z.int().check(z.gte(0), z.lte(65_536)), DEFAULT_WEBHOOKS_CONFIG.maxResponseBytes),
    maxRedirects: z._default(z.int().check(z.gte(0), z.lte(10)), DEFAULT_WEBHOOKS_CONFIG.maxRedirects),
    concurrency: z._default(z.int().check(z.gte(1), z.lte(32)), DEFAULT_WEBHOOKS_CONFIG.concurrency),
    pollMs: z._default(z.int().check(z.gte(10)), DEFAULT_WEBHOOKS_CONFIG.pollMs),
    logDays: z._default(z.int().check(z.gte(1), z.lte(365)), DEFAULT_WEBHOOKS_CONFIG.logDays),
  }),
  DEFAULT_WEBHOOKS_CONFIG,
);

export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;
