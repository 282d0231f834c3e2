/**
 * Log redaction shared by the control plane and the agent node.
 *
 * pino's `redact` only knows object paths; it does not look inside strings (messages, URLs,
 * error texts). So loggers use both: {@link LOG_REDACT_PATHS} for structured fields and
 * {@link scrubTokens} for secrets that slipped into strings.
 */

const SENSITIVE_KEYS = [
  'password',
  'secret',
  'token',
  'apiKey',
  'api_key',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-telegram-bot-api-secret-token',
  'x-hub-signature-256',
  'x-enclave-signature',
  'privateKey',
  'private_key',
  'value',
  'text',
  'body',
  'instructions',
  'content',
  'messages',
  'enrolmentToken',
  'secret_token',
  'appSecret',
  'verifyToken',
];

/** pino `redact.paths`: sensitive keys at the top level, one level down, and in request headers. */
export const LOG_REDACT_PATHS: readonly string[] = [
  ...SENSITIVE_KEYS.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`)),
  ...SENSITIVE_KEYS.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `*.${k}` : `*["${k}"]`)),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-enclave-signature"]',
  'res.headers["set-cookie"]',
];

export const REDACTED = '[REDACTED]';

/** Shapes of credentials we know. Order matters: most specific first. */
const TOKEN_SHAPES: readonly RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{10,}/g, // Anthropic
  /\bsk-(?:proj-)?[A-Za-z0-9_-]{16,}/g, // OpenAI
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}/g, // Stripe keys
  /\bwhsec_[A-Za-z0-9]{10,}/g, // Stripe webhook secrets
  /\b(?:bot)?\d{5,}:[A-Za-z0-9_-]{30,}/g, // Telegram bot tokens (also inside /bot<token>/ URLs)
  /\bEAA[A-Za-z0-9]{20,}/g, // Meta / WhatsApp access tokens
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bya29\.[A-Za-z0-9_-]{20,}/g, // Google access tokens
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, // Authorization header values
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /([?&](?:token|secret|signature|key|api_key|access_token|hub\.verify_token)=)[^&#\s]+/gi, // query-string secrets
];

/** Replaces every known token shape inside a string with `[REDACTED]`. */
export function scrubTokens(input: string): string {
  let out = input;
  for (const shape of TOKEN_SHAPES) {
    out = out.replace(shape, (match, p1: unknown) => {
      if (typeof p1 === 'string' && (p1.startsWith('?') || p1.startsWith('&'))) return `${p1}${REDACTED}`;
      if (typeof p1 === 'string' && /^(Bearer|Basic)$/i.test(p1)) return `${p1} ${REDACTED}`;
      return match.startsWith('bot') ? `bot${REDACTED}` : REDACTED;
    });
  }
  return out;
}

/**
 * {@link scrubTokens} plus exact values the caller knows are secret: tokens it generated or
 * delivers whose shape no pattern knows (a random enrolment token looks like any other string).
 */
export function scrubKnownSecrets(input: string, secrets: Iterable<string>): string {
  let out = input;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join(REDACTED);
  return scrubTokens(out);
}

/** Deep copy of a value with {@link scrubTokens} applied to every string (cycles and depth guarded). */
export function scrubDeep<T>(value: T, depth = 6, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value === 'string') return scrubTokens(value) as T;
  if (value === null || typeof value !== 'object' || depth <= 0) return value;
  if (seen.has(value as object)) return '[Circular]' as T;
  seen.add(value as object);
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubTokens(value.message),
      stack: value.stack ? scrubTokens(value.stack) : undefined,
    } as T;
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth - 1, seen)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrubDeep(v, depth - 1, seen);
  return out as T;
}
