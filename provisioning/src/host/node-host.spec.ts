import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
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
  const scratch = mkdtempSync(join(tmpdir(), 'enclave-node-host-'));

  /** A node config whose control plane never answers: enough for the node to start and be probed locally. */
  const nodeConfig = (nodeId: string) => ({
    nodeId,
    dataDir: `${root}/data`,
    listen: { host: '127.0.0.1', port },
    publicBaseUrl: 'https://acme.nodes.example.test',
    controlPlane: {
      url: 'http://127.0.0.1:9',
      publicKey: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      enrolmentToken: randomBytes(24).toString('base64url'),
    },
    heartbeatIntervalMs: 1000,
    logLevel: 'warn',
  });

  /** The same app under another version name (an upgrade that keeps the runtime). */
  const appVersion = (suffix: string): AgentNodeBundle => {
    const version = `${bundle.version}-${suffix}`;
    const dir = join(scratch, version);
    mkdirSync(dir);
    execFileSync('tar', ['-xzf', bundle.path, '-C', dir]);
    writeFileSync(join(dir, 'VERSION'), version);
    const path = join(scratch, `${version}.tar.gz`);
    execFileSync('tar', ['-czf', path, '-C', dir, '.']);
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    return { ...bundle, version, path, sha256, bytes: statSync(path).size };
  };

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
    rmSync(scratch, { recursive: true, force: true });
    await wipeHost(session, root).catch(() => undefined);
    await session.close();
    await sshd.destroy();
  });

  it('builds a versioned, checksummed app and its runtime apart, and reuses both from the cache', async () => {
    expect(bundle.version).toMatch(/^0\.1\.0-[0-9a-f]{12}$/);
    expect(bundle.nodeVersion.split('.')[0]).toBe(process.version.split('.')[0]);
    const again = await buildAgentNodeBundle({ repoRoot: REPO_ROOT, cacheDir: TEST_BUNDLE_CACHE });
    expect(again).toEqual(bundle);
    const listing = execFileSync('tar', ['-tzf', bundle.path]).toString();
    for (const entry of [
      './app/agent-node.js',
      './app/launcher.js',
      './app/better_sqlite3.node',
      './scripts/install.sh',
      './VERSION',
      './RUNTIME',
    ])
      expect(listing).toContain(entry);
    expect(listing).not.toContain('./bin/node');
    expect(bundle.runtime.sha256).toBe(createHash('sha256').update(readFileSync(process.execPath)).digest('hex'));
    expect(execFileSync('sh', ['-c', `gzip -dc '${bundle.runtime.path}' | sha256sum`]).toString()).toContain(
      bundle.runtime.sha256,
    );
  });

  it('uploads once, installs idempotently, starts under the supervisor, restarts a killed node, and wipes', async () => {
    expect(await ensureBundleOnHost(session, root, bundle)).toEqual({ runtime: 'uploaded', app: 'uploaded' });
    expect(await ensureBundleOnHost(session, root, bundle)).toEqual({ runtime: 'present', app: 'present' });
    const config = nodeConfig('node-test-1');
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
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);

  it('keeps the runtime by hash: an upgrade moves only the app, a changed runtime is replaced, unused ones go', async () => {
    const installation = { root, service: 'enclave-node-test', memoryMax: '512M' };
    const config = nodeConfig('node-test-2');
    expect(await ensureBundleOnHost(session, root, bundle)).toEqual({ runtime: 'uploaded', app: 'uploaded' });
    await installNode(session, installation, bundle, config);
    const runtimePath = `${root}/runtimes/${bundle.runtime.sha256}/node`;
    expect(readlinkSync(`${root}/versions/${bundle.version}/bin/node`)).toBe(
      `../../../runtimes/${bundle.runtime.sha256}/node`,
    );
    // The verified app archive is unpacked and removed; nothing else waits in bundles/.
    expect(readdirSync(`${root}/bundles`)).toEqual([]);

    // Two upgrades on the same runtime: only the app is sent; the version before the previous one goes.
    const next = appVersion('next');
    expect(await ensureBundleOnHost(session, root, next)).toEqual({ runtime: 'present', app: 'uploaded' });
    expect(await installNode(session, installation, next)).toMatchObject({
      installed: next.version,
      previous: bundle.version,
    });
    const third = appVersion('third');
    expect(await ensureBundleOnHost(session, root, third)).toEqual({ runtime: 'present', app: 'uploaded' });
    await installNode(session, installation, third);
    expect(readdirSync(`${root}/versions`).sort()).toEqual([next.version, third.version].sort());
    expect(readdirSync(`${root}/runtimes`)).toEqual([bundle.runtime.sha256]);

    // A runtime whose bytes changed on disk is found by its hash and replaced; the node runs on it.
    appendFileSync(runtimePath, 'x');
    expect(await ensureBundleOnHost(session, root, third)).toEqual({ runtime: 'replaced', app: 'present' });
    expect(createHash('sha256').update(readFileSync(runtimePath)).digest('hex')).toBe(bundle.runtime.sha256);
    await startNode(session, root);
    await eventually(() => nodeLocallyHealthy(session, root, port));

    // A runtime no version links to any more is removed by the next install.
    const unused = `${root}/runtimes/${'0'.repeat(64)}`;
    mkdirSync(unused);
    writeFileSync(`${unused}/node`, 'old runtime');
    await installNode(session, installation, third);
    expect(existsSync(unused)).toBe(false);
    expect(readdirSync(`${root}/runtimes`)).toEqual([bundle.runtime.sha256]);

    expect(await wipeHost(session, root)).toEqual({ wiped: true });
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);
});
