import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freeTcpPort, startTestSshd, type TestSshd } from '@enclave/testing';
import { buildAgentNodeBundle, type AgentNodeBundle } from '../bundle/bundle-builder';
import { SshSession } from '../ssh/ssh-executor';
import {
  createNodeCsr,
  dataDirExists,
  ensureBundleOnHost,
  installedVersion,
  installNode,
  installNodeCertificate,
  nodeLocallyHealthy,
  startNode,
  wipeHost,
} from './node-host';

const REPO_ROOT = join(__dirname, '../../..');
export const TEST_BUNDLE_CACHE = join(REPO_ROOT, 'tmp/provisioning-bundles');

async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('agent-node bundle on a real host over SSH', () => {
  let sshd: TestSshd;
  let session: SshSession;
  let bundle: AgentNodeBundle;
  let root: string;
  let port: number;

  beforeAll(async () => {
    sshd = await startTestSshd();
    bundle = await buildAgentNodeBundle({ repoRoot: REPO_ROOT, cacheDir: TEST_BUNDLE_CACHE });
    session = await SshSession.open(
      { host: sshd.host, port: sshd.port, username: sshd.user, hostKeyFingerprint: sshd.hostKeyFingerprint },
      {
        privateKey: readFileSync(sshd.clientKeyPath),
        connectTimeoutMs: 5_000,
        keepaliveIntervalMs: 2_000,
        keepaliveCountMax: 3,
        commandTimeoutMs: 60_000,
      },
    );
    root = join(sshd.dir, 'enclave');
    port = await freeTcpPort();
  }, 180_000);
  afterAll(async () => {
    await wipeHost(session, root).catch(() => undefined);
    await session.close();
    await sshd.destroy();
  });

  it('builds one versioned, checksummed bundle and reuses it from the cache', async () => {
    expect(bundle.version).toMatch(/^0\.1\.0-[0-9a-f]{12}$/);
    expect(bundle.nodeVersion.split('.')[0]).toBe(process.version.split('.')[0]);
    const again = await buildAgentNodeBundle({ repoRoot: REPO_ROOT, cacheDir: TEST_BUNDLE_CACHE });
    expect(again).toEqual(bundle);
    const listing = execFileSync('tar', ['-tzf', bundle.path]).toString();
    for (const entry of [
      './bin/node',
      './app/agent-node.js',
      './app/launcher.js',
      './app/better_sqlite3.node',
      './scripts/install.sh',
      './VERSION',
    ])
      expect(listing).toContain(entry);
  });

  it('uploads once, installs idempotently, starts under the supervisor, restarts a killed node, and wipes', async () => {
    expect(await ensureBundleOnHost(session, root, bundle)).toEqual({ uploaded: true });
    expect(await ensureBundleOnHost(session, root, bundle)).toEqual({ uploaded: false });
    const controlPlaneKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const config = {
      nodeId: 'node-test-1',
      dataDir: `${root}/data`,
      listen: { host: '127.0.0.1', port },
      publicBaseUrl: 'https://acme.nodes.example.test',
      controlPlane: {
        url: 'http://127.0.0.1:9',
        publicKey: controlPlaneKey,
        enrolmentToken: randomBytes(24).toString('base64url'),
      },
      heartbeatIntervalMs: 1000,
      logLevel: 'warn',
    };
    const first = await installNode(session, { root, service: 'enclave-node-test', memoryMax: '512M' }, bundle, config);
    expect(first).toMatchObject({ installed: bundle.version, mode: 'supervisor' });
    const second = await installNode(session, { root, service: 'enclave-node-test', memoryMax: '512M' }, bundle);
    expect(second).toMatchObject({ installed: bundle.version, previous: bundle.version });
    expect(await installedVersion(session, root)).toBe(bundle.version);
    expect((await session.exec(`stat -c '%a %U' ${root}/data ${root}/etc/node.json`)).stdout).toBe(
      '700 enclave\n640 root\n',
    );

    await startNode(session, root);
    await eventually(() => nodeLocallyHealthy(session, root, port));
    const nodeUser = (await session.exec(`ps -o user= -p $(cat ${root}/run/node.pid)`)).stdout.trim();
    expect(nodeUser).toBe('enclave');
    expect(existsSync(`${root}/data/node.sqlite`)).toBe(true);
    // It runs with the bundle's V8 flags (node.env), as its footprint is measured.
    expect((await session.exec(`ps -o args= -p $(cat ${root}/run/node.pid)`)).stdout).toContain(
      '--max-semi-space-size=1 --optimize-for-size',
    );

    const pid = readFileSync(`${root}/run/node.pid`, 'utf8').trim();
    process.kill(Number(pid), 'SIGKILL');
    await eventually(
      async () =>
        existsSync(`${root}/run/node.pid`) &&
        readFileSync(`${root}/run/node.pid`, 'utf8').trim() !== pid &&
        (await nodeLocallyHealthy(session, root, port)),
    );

    // TLS: key generated on the host, CSR out, certificate in; the launcher starts HTTPS.
    const csr = await createNodeCsr(session, root, 'acme.nodes.example.test');
    const csrPath = join(sshd.dir, 'node.csr');
    writeFileSync(csrPath, csr);
    expect(
      execFileSync('openssl', ['req', '-in', csrPath, '-noout', '-verify', '-subject'], { stdio: 'pipe' }).toString(),
    ).toContain('acme.nodes.example.test');
    const cert = execFileSync(
      'openssl',
      ['x509', '-req', '-in', csrPath, '-signkey', `${root}/etc/tls/node.key`, '-days', '1'],
      { stdio: 'pipe' },
    ).toString();
    const httpsPort = await freeTcpPort();
    await installNodeCertificate(session, root, cert, { host: '127.0.0.1', port: httpsPort });
    const body = await eventually(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port: httpsPort, path: '/healthz', ca: cert, servername: 'acme.nodes.example.test' },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve(text));
            },
          );
          req.on('error', reject);
          req.end();
        }),
    );
    expect(JSON.parse(body)).toEqual({ status: 'ok' });

    // The systemd unit used where systemd runs (not on this machine): systemd accepts every key.
    const unitPath = join(sshd.dir, 'enclave-node-test.service');
    writeFileSync(
      unitPath,
      execFileSync('bash', [
        join(REPO_ROOT, 'provisioning/host/install.sh'),
        '--root',
        root,
        '--print-unit',
        '--memory-max',
        '512M',
      ]),
    );
    expect(readFileSync(unitPath, 'utf8')).toMatch(
      /NoNewPrivileges=yes[\s\S]*ProtectSystem=strict[\s\S]*PrivateTmp=yes[\s\S]*MemoryMax=512M/,
    );
    expect(readFileSync(unitPath, 'utf8')).toContain(
      `EnvironmentFile=${root}/current/node.env\nExecStart=${root}/current/bin/node $NODE_FLAGS `,
    );
    const verify = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8', timeout: 30_000 });
    if (verify.error === undefined)
      expect({ status: verify.status, stderr: verify.stderr.trim() }).toEqual({ status: 0, stderr: '' });

    expect(await wipeHost(session, root)).toEqual({ wiped: true });
    expect(await dataDirExists(session, root)).toBe(false);
    expect((await session.exec(`pgrep -f ${root}/current/bin/node`, { allowFailure: true })).exitCode).toBe(1);
  }, 120_000);
});
