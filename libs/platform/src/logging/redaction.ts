import { LOG_REDACT_PATHS, scrubTokens } from '@enclave/secrets';

/**
 * The control plane's pino `redact` paths: the shared list (auth headers, cookies, signature
 * headers, any field named like a secret or like content) plus what only the control plane
 * receives (Stripe's signature header, OAuth client secrets and codes).
 */
export const REDACT_PATHS: string[] = [
  ...LOG_REDACT_PATHS,
  'req.headers["stripe-signature"]',
  ...['clientSecret', 'client_secret', 'code', 'botToken'].flatMap((name) => [name, `*.${name}`]),
];

/** Masks known token shapes inside free text (URLs, error messages): pino's redact does not look inside strings. */
export const scrubSecrets = scrubTokens;
