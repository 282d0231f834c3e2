import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * Request signatures of the node protocol (both directions use the same code).
 *
 * The signed string is
 *
 *     enclave-node-protocol/v1\n<METHOD>\n<path incl. query>\n<timestamp>\n<nonce>\n<sha256 hex of body>
 *
 * signed with Ed25519. The control plane signs with its key (nodes hold only its public
 * key); each node signs with its own key (the control plane holds only node public keys).
 */
export const SIGNATURE_SCHEME = 'enclave-node-protocol/v1';

export const PROTOCOL_HEADERS = {
  /** Protocol version the sender speaks, e.g. "1". */
  version: 'x-enclave-protocol-version',
  /** Unix time in seconds when the request was signed. */
  timestamp: 'x-enclave-timestamp',
  /** Random, single-use value (16+ bytes, base64url). */
  nonce: 'x-enclave-nonce',
  /** base64url Ed25519 signature over the canonical string. */
  signature: 'x-enclave-signature',
  /** Node id on node → control-plane calls, so the control plane finds the public key. */
  nodeId: 'x-enclave-node-id',
} as const;

/** Default accepted clock skew in seconds, either way. */
export const DEFAULT_SIGNATURE_WINDOW_SECONDS = 300;

export function sha256Hex(body: string | Buffer | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function canonicalString(input: {
  method: string;
  path: string;
  timestamp: string;
  nonce: string;
  body: string | Buffer | Uint8Array;
}): string {
  return [
    SIGNATURE_SCHEME,
    input.method.toUpperCase(),
    input.path,
    input.timestamp,
    input.nonce,
    sha256Hex(input.body),
  ].join('\n');
}

export interface Ed25519KeyPairPem {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

export function generateSigningKeyPair(): Ed25519KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function asPrivateKey(key: string | KeyObject): KeyObject {
  return typeof key === 'string' ? createPrivateKey(key) : key;
}

/** Parses a PEM public key and checks it is Ed25519; throws otherwise. */
export function parsePublicKey(key: string | KeyObject): KeyObject {
  const k = typeof key === 'string' ? createPublicKey(key) : key;
  if (k.asymmetricKeyType !== 'ed25519') throw new Error('public key must be Ed25519');
  return k;
}

/** SHA-256 (hex) of a public key's SPKI encoding: how keys are named in logs, audit events and APIs. */
export function publicKeyFingerprint(key: string | KeyObject): string {
  return createHash('sha256')
    .update(parsePublicKey(key).export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export interface SignRequestInput {
  readonly method: string;
  /** Path plus query string exactly as sent, e.g. `/v1/config?x=1`. */
  readonly path: string;
  readonly body?: string | Buffer;
  readonly privateKey: string | KeyObject;
  /** Added as the node-id header (node → control plane). */
  readonly nodeId?: string;
  readonly now?: Date;
  readonly nonce?: string;
}

/** Headers to add to a request (including the protocol version). */
export function signRequest(input: SignRequestInput, protocolVersion = '1'): Record<string, string> {
  const timestamp = String(Math.floor((input.now ?? new Date()).getTime() / 1000));
  const nonce = input.nonce ?? randomBytes(18).toString('base64url');
  const data = canonicalString({ method: input.method, path: input.path, timestamp, nonce, body: input.body ?? '' });
  const signature = sign(null, Buffer.from(data, 'utf8'), asPrivateKey(input.privateKey)).toString('base64url');
  const headers: Record<string, string> = {
    [PROTOCOL_HEADERS.version]: protocolVersion,
    [PROTOCOL_HEADERS.timestamp]: timestamp,
    [PROTOCOL_HEADERS.nonce]: nonce,
    [PROTOCOL_HEADERS.signature]: signature,
  };
  if (input.nodeId) headers[PROTOCOL_HEADERS.nodeId] = input.nodeId;
  return headers;
}

/**
 * Stores nonces until they expire. `remember` returns false when the nonce was already seen
 * (a replay). Implementations must make check-and-insert atomic.
 */
export interface NonceStore {
  remember(nonce: string, expiresAtSeconds: number): boolean | Promise<boolean>;
}

export type SignatureFailure =
  | 'missing_headers'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'bad_nonce'
  | 'bad_signature'
  | 'replayed_nonce'
  | 'unsupported_version';

export type VerifyResult =
  | {
      readonly ok: true;
      readonly nodeId?: string;
      /** Which of the trusted keys made the signature (its index in `publicKey`, 0 for a single key). */
      readonly keyIndex: number;
    }
  | { readonly ok: false; readonly reason: SignatureFailure };

export interface VerifyRequestInput {
  readonly method: string;
  readonly path: string;
  readonly body: string | Buffer;
  /** Incoming headers (lower-case names, as node:http gives them). */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The signer's key, or every key trusted for it (a node trusts two during a key rotation). */
  readonly publicKey: string | KeyObject | readonly (string | KeyObject)[];
  readonly nonceStore: NonceStore;
  readonly windowSeconds?: number;
  readonly now?: Date;
  readonly supportedVersions?: readonly string[];
}

function header(headers: VerifyRequestInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Verifies a signed request: headers present, timestamp inside the window, signature valid,
 * and only then the nonce is remembered (so unsigned junk cannot fill the nonce store).
 */
export async function verifyRequest(input: VerifyRequestInput): Promise<VerifyResult> {
  const version = header(input.headers, PROTOCOL_HEADERS.version);
  const timestamp = header(input.headers, PROTOCOL_HEADERS.timestamp);
  const nonce = header(input.headers, PROTOCOL_HEADERS.nonce);
  const signature = header(input.headers, PROTOCOL_HEADERS.signature);
  if (!version || !timestamp || !nonce || !signature) return { ok: false, reason: 'missing_headers' };
  if (!(input.supportedVersions ?? ['1']).includes(version)) return { ok: false, reason: 'unsupported_version' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(nonce)) return { ok: false, reason: 'bad_nonce' };
  const window = input.windowSeconds ?? DEFAULT_SIGNATURE_WINDOW_SECONDS;
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const ts = Number(timestamp);
  if (Math.abs(nowSeconds - ts) > window) return { ok: false, reason: 'stale_timestamp' };
  const data = canonicalString({ method: input.method, path: input.path, timestamp, nonce, body: input.body });
  const keys = Array.isArray(input.publicKey) ? input.publicKey : [input.publicKey as string | KeyObject];
  const keyIndex = keys.findIndex((key) => {
    try {
      return verify(null, Buffer.from(data, 'utf8'), parsePublicKey(key), Buffer.from(signature, 'base64url'));
    } catch {
      return false;
    }
  });
  if (keyIndex < 0) return { ok: false, reason: 'bad_signature' };
  // Keep the nonce for as long as the timestamp could still be accepted.
  const fresh = await input.nonceStore.remember(nonce, ts + window + 1);
  if (!fresh) return { ok: false, reason: 'replayed_nonce' };
  const nodeId = header(input.headers, PROTOCOL_HEADERS.nodeId);
  return nodeId ? { ok: true, nodeId, keyIndex } : { ok: true, keyIndex };
}

/** A nonce store kept in memory (tests, single-process control-plane tools). */
export class InMemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>();
  remember(nonce: string, expiresAtSeconds: number): boolean {
    const now = Math.floor(Date.now() / 1000);
    for (const [n, exp] of this.seen) if (exp < now) this.seen.delete(n);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, expiresAtSeconds);
    return true;
  }
}
