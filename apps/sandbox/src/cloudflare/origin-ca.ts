import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';

/**
 * A local stand-in for Cloudflare's Origin CA: a throw-away certificate authority generated
 * when the sandbox starts, which signs certificates for CSRs the way
 * POST /client/v4/certificates does. Node can verify and parse X.509 but not build it, so
 * the little DER needed (PKCS#10 in, X.509 v3 out) is written out here.
 */

// ---------- DER encoding ----------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));

function uint(value: Buffer): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  let body = value.subarray(i);
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
};

function name(parts: Array<[keyof typeof OID, string]>): Buffer {
  return seq(
    ...parts.map(([key, value]) =>
      set(seq(oid(OID[key]), key === 'C' ? tlv(0x13, Buffer.from(value)) : tlv(0x0c, Buffer.from(value, 'utf8')))),
    ),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function signatureAlgorithm(key: KeyObject): { der: Buffer; hash: string } {
  if (key.asymmetricKeyType === 'ec') return { der: seq(oid(OID.ecdsaWithSha256)), hash: 'sha256' };
  if (key.asymmetricKeyType === 'rsa')
    return { der: seq(oid(OID.sha256WithRsa), tlv(0x05, Buffer.alloc(0))), hash: 'sha256' };
  throw new Error(`unsupported key type ${String(key.asymmetricKeyType)}`);
}

function keyId(spki: Buffer): Buffer {
  // RFC 5280 method 1 would hash the BIT STRING only; hashing the whole SPKI is as unique.
  return createHash('sha1').update(spki).digest();
}

function toPem(der: Buffer, label: string): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function fromPem(pem: string, label: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`no ${label} PEM block`);
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

// ---------- DER decoding (just enough for PKCS#10) ----------

interface Node {
  tag: number;
  /** The whole TLV. */
  raw: Buffer;
  content: Buffer;
}

function read(buffer: Buffer, offset: number): Node & { end: number } {
  if (offset + 2 > buffer.length) throw new Error('truncated DER');
  const tag = buffer[offset];
  let len = buffer[offset + 1];
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || offset + 2 + n > buffer.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buffer[offset + 2 + i];
    header += n;
  }
  const end = offset + header + len;
  if (end > buffer.length) throw new Error('truncated DER');
  return { tag, raw: buffer.subarray(offset, end), content: buffer.subarray(offset + header, end), end };
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = read(node.content, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

function decodeOid(content: Buffer): string {
  const arcs: number[] = [Math.floor(content[0] / 40), content[0] % 40];
  let value = 0;
  for (const byte of content.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

export interface ParsedCsr {
  publicKey: KeyObject;
  spki: Buffer;
  keyType: 'rsa' | 'ec';
}

const CSR_HASHES: Record<string, string> = {
  [OID.sha256WithRsa]: 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  [OID.ecdsaWithSha256]: 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** Parses a PEM PKCS#10 request and checks its self-signature; throws with a reason otherwise. */
export function parseCsr(pem: string): ParsedCsr {
  const der = fromPem(pem, 'CERTIFICATE REQUEST');
  const top = read(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new Error('not a DER SEQUENCE');
  const [info, algorithm, signature] = children(top);
  if (!info || !algorithm || !signature || signature.tag !== 0x03) throw new Error('not a PKCS#10 request');
  const infoParts = children(info);
  const spkiNode = infoParts[2];
  if (!spkiNode || spkiNode.tag !== 0x30) throw new Error('no subject public key');
  const spki = Buffer.from(spkiNode.raw);
  const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const keyType = publicKey.asymmetricKeyType;
  if (keyType !== 'rsa' && keyType !== 'ec') throw new Error(`unsupported key type ${String(keyType)}`);
  const algOid = decodeOid(children(algorithm)[0].content);
  const hash = CSR_HASHES[algOid];
  if (!hash) throw new Error(`unsupported signature algorithm ${algOid}`);
  if (!verify(hash, info.raw, publicKey, signature.content.subarray(1))) throw new Error('signature does not match');
  return { publicKey, spki, keyType };
}

/** Builds a PEM PKCS#10 request (handy for tests and for hosts without openssl). */
export function createCsr(privateKey: KeyObject, commonName: string, hostnames: string[] = [commonName]): string {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const san = seq(...hostnames.map((h) => tlv(0x82, Buffer.from(h))));
  const attributes = tlv(0xa0, seq(oid(OID.extensionRequest), set(seq(extension(OID.subjectAltName, false, san)))));
  const info = seq(uint(Buffer.from([0])), name([['CN', commonName]]), spki, attributes);
  const alg = signatureAlgorithm(privateKey);
  const signature = sign(alg.hash, info, privateKey);
  return toPem(seq(info, alg.der, bits(signature)), 'CERTIFICATE REQUEST');
}

// ---------- the CA ----------

export interface IssuedCertificate {
  serial: string;
  pem: string;
  notAfter: Date;
}

export class OriginCa {
  readonly certificatePem: string;
  private readonly key: KeyObject;
  private readonly subject: Buffer;
  private readonly keyIdentifier: Buffer;

  /** A new CA, or the one given as PEM (key + certificate) so certificates survive a restart. */
  constructor(existing?: { keyPem: string; certificatePem: string }, commonName = 'Enclave Sandbox Origin CA') {
    if (existing) {
      this.key = createPrivateKey(existing.keyPem);
      const cert = new X509Certificate(existing.certificatePem);
      if (!cert.ca || !cert.checkPrivateKey(this.key))
        throw new Error('the stored Origin CA certificate does not match its key');
      this.certificatePem = existing.certificatePem;
      this.keyIdentifier = keyId(cert.publicKey.export({ type: 'spki', format: 'der' }));
      const tbs = children(read(fromPem(existing.certificatePem, 'CERTIFICATE'), 0))[0];
      this.subject = Buffer.from(children(tbs)[5].raw);
      return;
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    this.keyIdentifier = keyId(spki);
    this.subject = name([
      ['C', 'US'],
      ['O', 'CloudFlare, Inc.'],
      ['OU', 'CloudFlare Origin SSL Certificate Authority (sandbox)'],
      ['CN', commonName],
    ]);
    const notBefore = new Date(Date.now() - 3600_000);
    const notAfter = new Date(notBefore.getTime() + 20 * 365 * 86400_000);
    const extensions = [
      extension(OID.basicConstraints, true, seq(bool(true))),
      extension(OID.keyUsage, true, bits(Buffer.from([0x86]), 1)), // digitalSignature, keyCertSign, cRLSign
      extension(OID.subjectKeyIdentifier, false, octets(this.keyIdentifier)),
    ];
    this.certificatePem = this.signCertificate(randomSerial(), this.subject, spki, notBefore, notAfter, extensions);
  }

  get keyPem(): string {
    return this.key.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  issue(spki: Buffer, hostnames: string[], validityDays: number): IssuedCertificate {
    const serialBytes = randomSerial();
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(notBefore.getTime() + validityDays * 86400_000);
    const subject = name([
      ['O', 'CloudFlare, Inc.'],
      ['OU', 'CloudFlare Origin CA'],
      ['CN', 'CloudFlare Origin Certificate'],
    ]);
    const extensions = [
      extension(OID.keyUsage, true, bits(Buffer.from([0xa0]), 5)), // digitalSignature, keyEncipherment
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth), oid(OID.clientAuth))),
      extension(OID.basicConstraints, true, seq()),
      extension(OID.subjectKeyIdentifier, false, octets(keyId(spki))),
      extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, this.keyIdentifier))),
      extension(OID.subjectAltName, false, seq(...hostnames.map((h) => tlv(0x82, Buffer.from(h))))),
    ];
    const pem = this.signCertificate(serialBytes, subject, spki, notBefore, notAfter, extensions);
    return { serial: BigInt(`0x${serialBytes.toString('hex')}`).toString(10), pem, notAfter };
  }

  private signCertificate(
    serial: Buffer,
    subject: Buffer,
    spki: Buffer,
    notBefore: Date,
    notAfter: Date,
    extensions: Buffer[],
  ): string {
    const alg = signatureAlgorithm(this.key);
    const tbs = seq(
      explicit(0, uint(Buffer.from([2]))),
      uint(serial),
      alg.der,
      this.subject,
      seq(time(notBefore), time(notAfter)),
      subject,
      spki,
      tlv(0xa3, seq(...extensions)),
    );
    const signature = sign(alg.hash, tbs, this.key);
    const pem = toPem(seq(tbs, alg.der, bits(signature)), 'CERTIFICATE');
    new X509Certificate(pem); // fails loudly if the DER above is ever wrong
    return pem;
  }
}

function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // positive
  if (serial[0] === 0) serial[0] = 0x01;
  return serial;
}
