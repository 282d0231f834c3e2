/**
 * Host-side helper shipped in the bundle: `bin/node app/tls-csr.js <keyFile> <hostname>`.
 * Creates the node's TLS key (EC P-256, mode 0640, group enclave) if it does not exist yet,
 * and prints a CSR for <hostname>. The private key never leaves the host.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createCsr } from '../src/tls/csr';

const [keyFile, hostname] = process.argv.slice(2);
if (!keyFile || !hostname) {
  process.stderr.write('usage: tls-csr.js <keyFile> <hostname>\n');
  process.exit(64);
}
if (!existsSync(keyFile)) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o640, flag: 'wx' });
}
process.stdout.write(createCsr(createPrivateKey(readFileSync(keyFile)), hostname));
