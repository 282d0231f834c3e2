/**
 * pino `redact` paths: auth headers, cookies, and any field named like a secret, at the
 * depths our log objects use. pino does not look inside strings, so `scrubSecrets`
 * below also masks token shapes inside messages and URLs.
 */
const SECRET_FIELD_NAMES = [
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'api_key',
  'clientSecret',
  'client_secret',
  'code',
  'authorization',
  'cookie',
  'privateKey',
  'botToken',
  'appSecret',
  'value',
];

export const REDACT_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELD_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]),
];

const TOKEN_SHAPES: RegExp[] = [
  /\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,}/g, // Stripe keys
  /\bwhsec_[A-Za-z0-9+/=]{8,}/g, // Stripe webhook secrets
  /\bsk-(ant-)?[A-Za-z0-9_-]{12,}/g, // OpenAI / Anthropic keys
  /\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, // Telegram bot tokens
  /\bEAA[A-Za-z0-9]{20,}/g, // Meta access tokens
  /\bgh[opsu]_[A-Za-z0-9]{20,}/g, // GitHub tokens
];

const QUERY_SECRETS = /([?&](?:token|code|state|access_token|key|signature|sig)=)[^&\s#]+/gi;

/** Masks known token shapes inside free text (URLs, error messages). */
export function scrubSecrets(text: string): string {
  return TOKEN_SHAPES.reduce((out, shape) => out.replace(shape, '[redacted]'), text).replace(QUERY_SECRETS, '$1[redacted]');
}
