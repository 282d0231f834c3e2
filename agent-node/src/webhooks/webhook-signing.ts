import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` +
 * base64 of the key; each request carries `webhook-id`, `webhook-timestamp` (seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
 */
const PREFIX = 'whsec_';

/** The HMAC key of a `whsec_…` secret; undefined when it is not one. */
export function signingKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return key.length >= 16 ? key : undefined;
}

export function signatureOf(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The three headers of one attempt (the timestamp is the attempt's, the id is the delivery's). */
export function webhookHeaders(key: Buffer, id: string, nowMs: number, body: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureOf(key, id, timestamp, body),
  };
}

/** A new delivery's `webhook-id`: random, fixed before the first attempt. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}
