import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { NodeLifecycleClient } from '@enclave/node-delivery';
import { generateSigningKeyPair, publicKeyFingerprint } from '@enclave/node-protocol';
import { AuditEventEntity, FleetUpgradeEntity, NodeEntity } from '@enclave/persistence';
import {
  eventually,
  type ProvisioningHarness,
  REPO_ROOT,
  startProvisioningHarness,
} from '../../test/provisioning-harness';

/**
 * A source tree for another bundle version: links to the repository, with agent-node's
 * package version bumped (a new version) and optionally a broken launcher (a node that never
 * becomes healthy), so a fleet upgrade has something real to roll out or roll back.
 */
function alternateSourceRoot(version: string, brokenLauncher: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'enclave-src-'));
  for (const entry of ['node_modules', 'libs', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.json'])
    symlinkSync(join(REPO_ROOT, entry), join(root, entry));
  mkdirSync(join(root, 'agent-node'));
  for (const dir of ['src', 'build']) symlinkSync(join(REPO_ROOT, 'agent-node', dir), join(root, 'agent-node', dir));
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'agent-node/package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(root, 'agent-node/package.json'), JSON.stringify({ ...pkg, version }));
  mkdirSync(join(root, 'provisioning'));
  symlinkSync(join(REPO_ROOT, 'provisioning/src'), join(root, 'provisioning/src'));
  if (brokenLauncher) {
    mkdirSync(join(root, 'provisioning/host'));
    for (const file of ['install.sh', 'supervisor.sh', 'nodectl.sh', 'wipe.sh', 'tls-csr.ts'])
      symlinkSync(join(REPO_ROOT, 'provisioning/host', file), join(root, 'provisioning/host', file));
    writeFileSync(
      join(root, 'provisioning/host/launcher.ts'),
      "process.stderr.write('this release is broken\\n');\nprocess.exit(1);\n",
    );
  } else {
    symlinkSync(join(REPO_ROOT, 'provisioning/host'), join(root, 'provisioning/host'));
  }
  return root;
}

describe('fleet reconciliation and rolling upgrades (real sshd)', () => {
  let h: ProvisioningHarness;
  let workspaceId: string;
  let root: string;
  const sourceRoots: string[] = [];

  beforeAll(async () => {
    h = await startProvisioningHarness({
      PROVISIONING_NODE_DEGRADED_AFTER_MS: '3000',
      PROVISIONING_NODE_OFFLINE_AFTER_MS: '8000',
    });
    ({ root } = await h.addHost());
    const worker = h.startWorker('fleet-setup');
    workspaceId = await h.paidWorkspace('fleet-one');
    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    await worker.kill('SIGTERM');
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    for (const dir of sourceRoots) rmSync(dir, { recursive: true, force: true });
  });

  const node = () => h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ workspaceId });

  it('rolls a new version out health-gated, and rolls back a release whose node never gets healthy', async () => {
    const before = await node();
    // A good new version.
    const good = alternateSourceRoot('0.1.1', false);
    sourceRoots.push(good);
    let worker = h.startWorker('upgrade-good', { PROVISIONING_SOURCE_ROOT: good });
    const started = await h.api
      .http()
      .post('/api/staff/fleet/upgrades')
      .set('cookie', h.staffCookie)
      .send({ batchSize: 1 })
      .expect(202);
    const upgraded = await eventually(
      async () => {
        const upgrade = await h.api.dataSource
          .getRepository(FleetUpgradeEntity)
          .findOneByOrFail({ id: started.body.id });
        return upgrade.status !== 'running' ? upgrade : undefined;
      },
      180_000,
      500,
    );
    await worker.kill('SIGTERM');
    expect(upgraded.status).toBe('succeeded');
    expect(upgraded.results).toEqual([
      expect.objectContaining({ nodeId: before.id, from: before.bundleVersion, outcome: 'upgraded' }),
    ]);
    const after = await node();
    expect(after.bundleVersion).toMatch(/^0\.1\.1-/);
    expect(readFileSync(join(root, 'current/VERSION'), 'utf8')).toBe(after.bundleVersion);

    // A broken version: installed, fails the health gate, `current` switched back, node healthy again.
    const broken = alternateSourceRoot('0.1.2', true);
    sourceRoots.push(broken);
    worker = h.startWorker('upgrade-broken', {
      PROVISIONING_SOURCE_ROOT: broken,
      PROVISIONING_WAIT_TIMEOUT_MS: '8000',
    });
    const second = await h.api
      .http()
      .post('/api/staff/fleet/upgrades')
      .set('cookie', h.staffCookie)
      .send({ batchSize: 1, nodeIds: [before.id] })
      .expect(202);
    const halted = await eventually(
      async () => {
        const upgrade = await h.api.dataSource
          .getRepository(FleetUpgradeEntity)
          .findOneByOrFail({ id: second.body.id });
        return upgrade.status !== 'running' ? upgrade : undefined;
      },
      180_000,
      500,
    );
    await worker.kill('SIGTERM');
    expect(halted.status).toBe('failed');
    expect(halted.results).toEqual([expect.objectContaining({ outcome: 'rolled_back', from: after.bundleVersion })]);
    expect(readFileSync(join(root, 'current/VERSION'), 'utf8')).toBe(after.bundleVersion);
    expect((await node()).bundleVersion).toBe(after.bundleVersion);
    const health = execFileSync('bash', [join(root, 'bin/nodectl.sh'), root, 'status'])
      .toString()
      .trim();
    expect(health).toBe('running');
    expect(await h.auditActions(workspaceId)).toEqual(
      expect.arrayContaining(['node.upgraded', 'node.upgrade_rolled_back']),
    );
  }, 400_000);

  it('reconciles drift: recreates a deleted DNS record, marks a silent node degraded then offline', async () => {
    const worker = h.startWorker('reconcile');
    const [record] = await h.dnsRecords('fleet-one.enclave.test');
    await fetch(`${h.cloudflare.url}/cloudflare/client/v4/zones/${h.zoneId}/dns_records/${record.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${h.env.CLOUDFLARE_API_TOKEN}` },
    });
    expect(await h.dnsRecords('fleet-one.enclave.test')).toEqual([]);
    execFileSync('bash', [join(root, 'bin/nodectl.sh'), root, 'stop']);

    await h.api.http().post('/api/staff/fleet/reconcile').set('cookie', h.staffCookie).expect(202);
    await eventually(async () => (await h.dnsRecords('fleet-one.enclave.test')).length === 1, 30_000, 300);
    await new Promise((r) => setTimeout(r, 3_500));
    await h.api.http().post('/api/staff/fleet/reconcile').set('cookie', h.staffCookie).expect(202);
    await eventually(async () => (await node()).status === 'degraded', 30_000, 300);
    await new Promise((r) => setTimeout(r, 5_000));
    await h.api.http().post('/api/staff/fleet/reconcile').set('cookie', h.staffCookie).expect(202);
    await eventually(async () => (await node()).status === 'offline', 30_000, 300);
    const actions = await h.auditActions(workspaceId);
    expect(actions).toEqual(expect.arrayContaining(['reconcile.dns_repaired', 'node.degraded', 'node.offline']));
    expect(await h.dnsRecords('fleet-one.enclave.test')).toHaveLength(1);

    // The node comes back: its next heartbeat sets it healthy again.
    execFileSync('bash', [join(root, 'bin/nodectl.sh'), root, 'start']);
    await eventually(async () => (await node()).status === 'healthy', 30_000, 300);
    const repairs = await h.api.dataSource
      .getRepository(AuditEventEntity)
      .countBy({ workspaceId, action: 'reconcile.dns_repaired' });
    expect(repairs).toBe(1);
    await worker.kill('SIGTERM');
  }, 180_000);

  // Last in this file: the API process keeps signing with the old key afterwards.
  it('rotates the control-plane signing key: nodes trust [current, next], then only the new key', async () => {
    const currentKeyPath = h.env.NODE_PROTOCOL_SIGNING_KEY_PATH as string;
    const current = createPrivateKey(readFileSync(currentKeyPath));
    const next = generateSigningKeyPair();
    const keyDir = mkdtempSync(join(tmpdir(), 'enclave-next-key-'));
    sourceRoots.push(keyDir);
    writeFileSync(join(keyDir, 'next.pub.pem'), next.publicKeyPem);
    writeFileSync(join(keyDir, 'next.pem'), next.privateKeyPem, { mode: 0o600 });
    const hostname = 'fleet-one.enclave.test';
    const origin = await h.edgeOrigin(hostname);
    if (!origin) throw new Error('no DNS record for the node');
    const endpoint = { ...origin, hostname };
    const signedHealth = (key: KeyObject | string) =>
      new NodeLifecycleClient(typeof key === 'string' ? createPrivateKey(key) : key, h.originCaPem)
        .health(endpoint)
        .then(
          () => 'accepted',
          (error: { code?: string }) => error.code,
        );
    const reconcile = async (label: string, env: NodeJS.ProcessEnv, fingerprints: string[]) => {
      const worker = h.startWorker(label, env);
      await h.api.http().post('/api/staff/fleet/reconcile').set('cookie', h.staffCookie).expect(202);
      await eventually(
        async () => JSON.stringify((await node()).trustedKeyFingerprints) === JSON.stringify(fingerprints),
        30_000,
        300,
      );
      await worker.kill('SIGTERM');
    };
    const currentFingerprint = publicKeyFingerprint(createPublicKey(current));
    // The node was restarted by the previous test: wait until it answers again.
    await eventually(async () => (await signedHealth(current)) === 'accepted', 30_000, 300);
    expect((await node()).trustedKeyFingerprints).toEqual([currentFingerprint]);
    expect(await signedHealth(next.privateKeyPem)).toBe('bad_signature');

    // Step 1: the next public key is configured; reconciliation makes the node trust both.
    await reconcile('rotate-step-1', { NODE_PROTOCOL_NEXT_PUBLIC_KEY_PATH: join(keyDir, 'next.pub.pem') }, [
      currentFingerprint,
      publicKeyFingerprint(next.publicKeyPem),
    ]);
    expect(await signedHealth(current)).toBe('accepted');
    expect(await signedHealth(next.privateKeyPem)).toBe('accepted');

    // Step 2: the control plane signs with the new key; the node stops trusting the old one.
    await reconcile('rotate-step-2', { NODE_PROTOCOL_SIGNING_KEY_PATH: join(keyDir, 'next.pem') }, [
      publicKeyFingerprint(next.publicKeyPem),
    ]);
    expect(await signedHealth(next.privateKeyPem)).toBe('accepted');
    expect(await signedHealth(current)).toBe('bad_signature');
    const updates = await h.api.dataSource
      .getRepository(AuditEventEntity)
      .countBy({ workspaceId, action: 'node.trusted_keys_updated' });
    expect(updates).toBe(2);
  }, 120_000);
});
