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
import {
  bits,
  bool,
  children,
  decodeOid,
  explicit,
  extension,
  fromPem,
  name,
  octets,
  OID,
  oid,
  read,
  seq,
  set,
  signatureAlgorithm,
  time,
  tlv,
  toPem,
  uint,
} from './der';

/**
 * A local stand-in for Cloudflare's Origin CA: a throw-away certificate authority generated
 * when the sandbox starts, which signs certificates for CSRs the way
 * POST /client/v4/certificates does.
 */

function keyId(spki: Buffer): Buffer {
  // RFC 5280 method 1 would hash the BIT STRING only; hashing the whole SPKI is as unique.
  return createHash('sha1').update(spki).digest();
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
