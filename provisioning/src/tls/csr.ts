import { createPublicKey, type KeyObject, sign } from 'node:crypto';

/**
 * A PKCS#10 certificate signing request (RFC 2986) for an ECDSA P-256 key, built with
 * node:crypto alone so it can run on a host with nothing but the bundled Node runtime:
 * the private key is generated on the host and never leaves it.
 */
function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}

const sequence = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [parts[0] * 40 + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let rest = part >> 7; rest > 0; rest >>= 7) chunk.unshift((rest & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

const OID_COMMON_NAME = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/** Returns the CSR as PEM for `commonName`, with the names as subjectAltName DNS entries. */
export function createCsr(
  privateKey: KeyObject,
  commonName: string,
  altNames: readonly string[] = [commonName],
): string {
  if (privateKey.asymmetricKeyType !== 'ec') throw new Error('CSR key must be an EC (P-256) key');
  const subject = sequence(set(sequence(oid(OID_COMMON_NAME), der(0x0c, Buffer.from(commonName, 'utf8')))));
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const san = sequence(...altNames.map((name) => der(0x82, Buffer.from(name, 'ascii'))));
  const extensions = sequence(sequence(oid(OID_SUBJECT_ALT_NAME), der(0x04, san)));
  const attributes = der(0xa0, sequence(oid(OID_EXTENSION_REQUEST), set(extensions)));
  const info = sequence(der(0x02, Buffer.from([0])), subject, spki, attributes);
  const signature = sign('sha256', info, { key: privateKey, dsaEncoding: 'der' });
  const csr = sequence(
    info,
    sequence(oid(OID_ECDSA_WITH_SHA256)),
    der(0x03, Buffer.concat([Buffer.from([0]), signature])),
  );
  const body = csr
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}
