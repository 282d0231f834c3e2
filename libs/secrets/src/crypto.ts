import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** Length in bytes of an AES-256-GCM key. */
export const AES_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT_VERSION = 'v1';

/** A fresh random AES-256 key (32 bytes). */
export function generateEncryptionKey(): Buffer {
  return randomBytes(AES_KEY_BYTES);
}

function assertKey(key: Buffer): void {
  if (key.length !== AES_KEY_BYTES) throw new Error(`encryption key must be ${AES_KEY_BYTES} bytes`);
}

/**
 * AES-256-GCM encryption. The result is a self-describing string
 * `v1.<iv>.<tag>.<ciphertext>` (base64url parts). `aad` binds the ciphertext to a context
 * (e.g. the secret's name) so it cannot be swapped for another one.
 */
export function encryptSecret(plaintext: string | Buffer, key: Buffer, aad?: string): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT_VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join(
    '.',
  );
}

/** Decrypts what {@link encryptSecret} produced; throws on any tampering or wrong key/aad. */
export function decryptSecretToBuffer(sealed: string, key: Buffer, aad?: string): Buffer {
  assertKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== FORMAT_VERSION) throw new Error('unsupported ciphertext format');
  const iv = Buffer.from(parts[1], 'base64url');
  const tag = Buffer.from(parts[2], 'base64url');
  const ciphertext = Buffer.from(parts[3], 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('unsupported ciphertext format');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

export function decryptSecret(sealed: string, key: Buffer, aad?: string): string {
  return decryptSecretToBuffer(sealed, key, aad).toString('utf8');
}

/**
 * Keyed fingerprint of a secret (HMAC-SHA256 with a server-side pepper), hex encoded.
 * Lets two parties tell whether a secret changed without either storing it.
 */
export function fingerprintSecret(secret: string, pepper: string | Buffer): string {
  if ((typeof pepper === 'string' ? pepper.length : pepper.length) < 16)
    throw new Error('pepper must be at least 16 bytes');
  return createHmac('sha256', pepper).update(secret, 'utf8').digest('hex');
}

/**
 * Masked display form of a secret: a short well-known prefix (e.g. `sk-`) when the value has
 * one, an ellipsis, and the last 4 characters. Short values are fully hidden.
 */
export function maskSecret(secret: string): string {
  if (secret.length < 12) return '…';
  const prefix = /^(sk-ant-|sk-|EAA|whsec_|rk_|pk_)/.exec(secret)?.[1] ?? '';
  return `${prefix}…${secret.slice(-4)}`;
}
