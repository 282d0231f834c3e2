import { createHash, randomBytes } from 'node:crypto';

/** 256 bits of randomness, URL-safe: session cookies and magic-link tokens. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored instead of a token: its SHA-256. A database leak reveals no usable token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
