import * as z from 'zod/mini';

const url = z.pipe(
  z.url({ protocol: /^https?$/ }),
  z.transform((u: string) => u.replace(/\/+$/, '')),
);

export const DEFAULT_MAIL_CONFIG = {
  resendBaseUrl: 'https://api.resend.com',
  postmarkBaseUrl: 'https://api.postmarkapp.com',
  /** How often queued transcripts are sent and idle conversations looked for. */
  pollMs: 30_000,
  timeoutMs: 15_000,
};

/** The `mail` section of the node config: where the customer's mail providers are (tests point them at stand-ins). */
export const mailConfigSchema = z._default(
  z.strictObject({
    resendBaseUrl: z._default(url, DEFAULT_MAIL_CONFIG.resendBaseUrl),
    postmarkBaseUrl: z._default(url, DEFAULT_MAIL_CONFIG.postmarkBaseUrl),
    pollMs: z._default(z.int().check(z.gte(10)), DEFAULT_MAIL_CONFIG.pollMs),
    timeoutMs: z._default(z.int().check(z.gte(100), z.lte(60_000)), DEFAULT_MAIL_CONFIG.timeoutMs),
  }),
  DEFAULT_MAIL_CONFIG,
);

export type MailConfig = z.infer<typeof mailConfigSchema>;
