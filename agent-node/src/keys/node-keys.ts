import { createPrivateKey, createPublicKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyPair } from '@enclave/node-protocol';

export const KEYS_DIR = 'keys';
const IDENTITY_FILE = 'node-identity.key.pem';
const LOCAL_KEY_FILE = 'local.key';

export interface NodeKeys {
  /** Ed25519 private key the node signs its control-plane calls with. */
  readonly identityPrivateKey: KeyObject;
  readonly identityPublicKeyPem: string;
  /** AES-256-GCM key for secrets at rest (derived from the local key file). */
  readonly secretsKey: Buffer;
  /** HMAC key for export links (derived from the local key file). */
  readonly exportLinkKey: Buffer;
}

function writeKeyFile(path: string, data: string | Buffer): void {
  // `wx`: never overwrite an existing key; 0600 from creation on.
  writeFileSync(path, data, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/** Loads the node's keys from `<dataDir>/keys`, creating them on first start. */
export function loadOrCreateNodeKeys(dataDir: string): NodeKeys {
  const dir = join(dataDir, KEYS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const identityPath = join(dir, IDENTITY_FILE);
  if (!existsSync(identityPath)) writeKeyFile(identityPath, generateSigningKeyPair().privateKeyPem);
  const localPath = join(dir, LOCAL_KEY_FILE);
  if (!existsSync(localPath)) writeKeyFile(localPath, randomBytes(32));

  const identityPrivateKey = createPrivateKey(readFileSync(identityPath, 'utf8'));
  if (identityPrivateKey.asymmetricKeyType !== 'ed25519') throw new Error('node identity key is not Ed25519');
  const local = readFileSync(localPath);
  if (local.length !== 32) throw new Error('local key file is corrupt (expected 32 bytes)');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', local, Buffer.alloc(0), info, 32));
  return {
    identityPrivateKey,
    identityPublicKeyPem: createPublicKey(identityPrivateKey).export({ type: 'spki', format: 'pem' }).toString(),
    secretsKey: derive('enclave-node/secrets-at-rest/v1'),
    exportLinkKey: derive('enclave-node/export-links/v1'),
  };
}
