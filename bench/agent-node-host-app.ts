import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildAgentNodeBundle, nodeBundleOptions } from '../agent-node/build/bundle';
import { freePort } from '../agent-node/src/testing/node-fixture';

export const ROOT = join(__dirname, '..');

/** The app directory of a provisioned host: the node, its lazy packages and the launcher. */
export async function bundle(outDir: string): Promise<string> {
  await buildAgentNodeBundle(outDir, ROOT);
  const launcher = join(outDir, 'launcher.js');
  await build({
    ...nodeBundleOptions(ROOT),
    entryPoints: [join(ROOT, 'provisioning', 'host', 'launcher.ts')],
    outfile: launcher,
  });
  return launcher;
}

/** tls/tls.json beside the node config, as the provisioning TLS step writes it (self-signed here). */
export async function writeTls(configDir: string): Promise<number> {
  const dir = join(configDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'origin.pem');
  const keyFile = join(dir, 'origin.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=node.enclave.test',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  writeFileSync(join(dir, 'tls.json'), JSON.stringify({ host: '127.0.0.1', port, certFile, keyFile }));
  return port;
}

/** One HTTPS request through the launcher's TLS terminator (the way webhooks arrive). */
export function httpsHealth(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`https /healthz: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
