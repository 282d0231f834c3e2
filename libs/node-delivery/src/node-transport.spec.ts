import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, InMemoryNonceStore, verifyRequest } from '@enclave/node-protocol';
import { NodeCallError } from './node-call-error';
import { callNode, type NodeCaller } from './node-transport';

const HOSTNAME = 'n1.enclave.test';

/** A CA and a certificate for HOSTNAME signed by it, as the Origin CA issues node certificates. */
function originCertificates(dir: string): { caPem: string; key: string; cert: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test origin ca');
  openssl('req', ...ec, '-keyout', 'node.key', '-out', 'node.csr', '-subj', `/CN=${HOSTNAME}`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=DNS:${HOSTNAME}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    'node.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-out',
    'node.pem',
    '-extfile',
    'san.ext',
  );
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return { caPem: read('ca.pem'), key: read('node.key'), cert: read('node.pem') };
}

describe('callNode at a node origin (HTTPS to the host, the node name as TLS server name)', () => {
  const keys = generateSigningKeyPair();
  const nonces = new InMemoryNonceStore();
  const dir = mkdtempSync(join(tmpdir(), 'enclave-origin-'));
  const tls = originCertificates(dir);
  let server: Server;
  let port: number;
  let answer: (req: IncomingMessage, res: ServerResponse) => void;
  const seen: Array<{ host?: string; path?: string; verified: boolean }> = [];

  beforeAll(async () => {
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        void verifyRequest({
          method: req.method ?? '',
          path: req.url ?? '',
          body,
          headers: req.headers,
          publicKey: keys.publicKeyPem,
          nonceStore: nonces,
        }).then((v) => {
          seen.push({ host: req.headers.host, path: req.url, verified: v.ok });
          answer(req, res);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const caller = (over: Partial<NodeCaller> = {}): NodeCaller => ({
    privateKey: createPrivateKey(keys.privateKeyPem),
    caPem: tls.caPem,
    timeoutMs: 2_000,
    ...over,
  });
  const target = () => ({ nodeId: 'n1', baseUrl: `https://${HOSTNAME}`, origin: { address: '127.0.0.1', port } });
  const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  it('signs the request and sends it to the host, verified against the Origin CA for the node name', async () => {
    answer = json(200, { ok: true });
    await expect(callNode(caller(), target(), 'POST', '/v1/suspend?x=1')).resolves.toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({ host: HOSTNAME, path: '/v1/suspend?x=1', verified: true });
  });

  it('fails the same way as through the edge: one NodeCallError with the node code, or unreachable/timeout', async () => {
    answer = json(409, { error: { code: 'stale_config', details: { appliedRevision: 7 } } });
    const stale = await callNode(caller(), target(), 'PUT', '/v1/config', { value: 'sk-secret-0000' }).catch(
      (e: unknown) => e,
    );
    expect(stale).toBeInstanceOf(NodeCallError);
    expect(stale).toMatchObject({ code: 'stale_config', status: 409, details: { appliedRevision: 7 } });
    expect(JSON.stringify(stale) + (stale as Error).message).not.toContain('sk-secret');

    const untrusted = callNode(caller({ caPem: undefined }), target(), 'POST', '/v1/suspend');
    await expect(untrusted).rejects.toMatchObject({ name: 'NodeCallError', code: 'unreachable' });

    answer = () => undefined; // never answers
    const slow = callNode(caller({ timeoutMs: 300 }), target(), 'POST', '/v1/suspend');
    await expect(slow).rejects.toMatchObject({ name: 'NodeCallError', code: 'timeout' });
  });
});
