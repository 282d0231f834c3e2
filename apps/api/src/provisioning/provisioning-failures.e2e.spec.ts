import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuditEventEntity,
  HostEntity,
  NodeEntity,
  ProvisioningRunEntity,
  ProvisioningStepEntity,
} from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import {
  eventually,
  type ProvisioningHarness,
  startProvisioningHarness,
  type WorkerProcess,
} from '../../test/provisioning-harness';

describe('provisioning failures (real sshd)', () => {
  let h: ProvisioningHarness;
  let worker: WorkerProcess;

  beforeAll(async () => {
    h = await startProvisioningHarness();
    worker = h.startWorker();
  }, 120_000);
  afterAll(async () => {
    await worker?.kill();
    await h?.close();
  });

  it('refuses a host whose key does not match the pin: audited, nothing executed, no retries', async () => {
    const wrong = `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`;
    const { sshd, root } = await h.addHost({ fingerprint: wrong });
    const workspaceId = await h.paidWorkspace('wrong-key');
    expect(await h.waitForStatus(workspaceId, ['provisioning_failed', 'active'], 60_000)).toBe('provisioning_failed');
    const run = await h.api.dataSource.getRepository(ProvisioningRunEntity).findOneByOrFail({ workspaceId });
    expect(run).toMatchObject({ status: 'failed', attempts: 1 });
    const step = await h.api.dataSource
      .getRepository(ProvisioningStepEntity)
      .findOneByOrFail({ runId: run.id, name: 'ssh-ready' });
    expect(step.error).toContain('does not match the pinned fingerprint');
    const mismatch = await h.api.dataSource
      .getRepository(AuditEventEntity)
      .findOneByOrFail({ workspaceId, action: 'provisioning.host_key_mismatch' });
    expect(mismatch.outcome).toBe('denied');
    expect(mismatch.details).toMatchObject({ expected: wrong, presented: sshd.hostKeyFingerprint });
    expect(await h.auditActions(workspaceId)).toContain('provisioning.failed');
    // Nothing reached the host: no install root, no node record beyond the allocation.
    expect(existsSync(root)).toBe(false);
    expect(await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ workspaceId })).toMatchObject({
      status: 'installing',
      enrolledAt: null,
    });
  }, 120_000);

  it('retries an unreachable host with backoff, then fails the workspace; a staff retry succeeds once the host is back', async () => {
    const { sshd } = await h.addHost();
    await sshd.stop();
    const workspaceId = await h.paidWorkspace('offline-host', {
      attempts: 3,
      backoff: { type: 'exponential', delay: 500 },
    });
    expect(await h.waitForStatus(workspaceId, ['provisioning_failed', 'active'], 90_000)).toBe('provisioning_failed');
    const run = await h.api.dataSource.getRepository(ProvisioningRunEntity).findOneByOrFail({ workspaceId });
    expect(run).toMatchObject({ status: 'failed', attempts: 3 });
    expect(run.error).toMatch(/cannot connect/);
    const failed = await h.api.dataSource
      .getRepository(AuditEventEntity)
      .findOneByOrFail({ workspaceId, action: 'provisioning.failed' });
    expect(failed.details).toMatchObject({ staffActionNeeded: true, attempts: 3 });
    const mail = (await (
      await fetch(`${h.api.sandbox.url}/mail/messages?to=${encodeURIComponent(h.ownerEmail)}`)
    ).json()) as Array<{ subject: string }>;
    expect(mail.some((m) => m.subject.includes('offline-host') || m.subject.includes('delayed'))).toBe(true);
    const members = await h.api
      .http()
      .get(`/api/workspaces/${workspaceId}/provisioning`)
      .set('cookie', h.ownerCookie)
      .expect(200);
    expect(members.body.workspaceStatus).toBe('provisioning_failed');

    await sshd.start();
    // The job itself is marked failed by BullMQ just after the workspace (staff get 409 until then).
    const queue = h.api.app.get(QueueService).queueOf(JobName.ProvisionWorkspace);
    await eventually(async () => (await queue.getJob(JOB_IDS.provisionWorkspace(workspaceId)))?.isFailed(), 10_000);
    const retried = await h.api
      .http()
      .post(`/api/staff/workspaces/${workspaceId}/provisioning/retry`)
      .set('cookie', h.staffCookie)
      .expect(202);
    expect(retried.body).toMatchObject({ workspaceId });
    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    const after = await h.api.dataSource.getRepository(ProvisioningRunEntity).findOneByOrFail({ id: run.id });
    expect(after).toMatchObject({ status: 'succeeded', attempts: 4 });
    const retryEvent = await h.api.dataSource
      .getRepository(AuditEventEntity)
      .findOneByOrFail({ workspaceId, action: 'provisioning.retry_requested' });
    expect(retryEvent.actorType).toBe('staff');
  }, 300_000);

  it('wipes over SSH with the wipe script when the node does not answer the signed wipe, then frees the host', async () => {
    await h.addHost();
    const workspaceId = await h.paidWorkspace('silent-node');
    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    const { root, hostId } = await h.allocatedHost(workspaceId);
    execFileSync('bash', [join(root, 'bin/nodectl.sh'), root, 'stop']);
    await h.requestDeprovision(workspaceId);
    expect(await h.waitForStatus(workspaceId, ['deprovisioned'], 120_000)).toBe('deprovisioned');
    const node = await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ workspaceId });
    expect(node.status).toBe('wiped');
    expect(node.wipeReceipt).toMatchObject({
      method: 'wipe-script',
      nodeId: node.id,
      hostWipe: { script: 'wipe.sh', dataDirRemoved: true },
    });
    expect(existsSync(join(root, 'data'))).toBe(false);
    expect(await h.auditActions(workspaceId)).toEqual(
      expect.arrayContaining([
        'deprovisioning.node_unresponsive',
        'host.wiped',
        'host.released',
        'deprovisioning.succeeded',
      ]),
    );
    expect(await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ id: hostId })).toMatchObject({
      status: 'free',
      workspaceId: null,
    });
    expect(await h.dnsRecords('silent-node.enclave.test')).toEqual([]);
  }, 300_000);

  it('keeps an unreachable host allocated until its wipe is verified; a staff retry finishes the deprovisioning', async () => {
    await h.addHost();
    const workspaceId = await h.paidWorkspace('unreachable-wipe');
    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    const { sshd, root, hostId } = await h.allocatedHost(workspaceId);
    execFileSync('bash', [join(root, 'bin/nodectl.sh'), root, 'stop']);
    await sshd.stop();
    await h.requestDeprovision(workspaceId, { attempts: 2, backoff: { type: 'fixed', delay: 300 } });
    const queue = h.api.app.get(QueueService).queueOf(JobName.DeprovisionWorkspace);
    await eventually(async () => (await queue.getJob(JOB_IDS.deprovisionWorkspace(workspaceId)))?.isFailed(), 60_000);
    expect(await h.waitForStatus(workspaceId, 'deprovisioning')).toBe('deprovisioning');
    expect(await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ id: hostId })).toMatchObject({
      status: 'wiping',
      workspaceId,
    });
    expect(existsSync(join(root, 'data'))).toBe(true);
    expect(await h.auditActions(workspaceId)).toContain('deprovisioning.failed');

    await sshd.start();
    await h.api
      .http()
      .post(`/api/staff/workspaces/${workspaceId}/deprovisioning/retry`)
      .set('cookie', h.staffCookie)
      .expect(202);
    expect(await h.waitForStatus(workspaceId, 'deprovisioned', 120_000)).toBe('deprovisioned');
    expect(existsSync(join(root, 'data'))).toBe(false);
    expect(await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ id: hostId })).toMatchObject({
      status: 'free',
      workspaceId: null,
    });
  }, 300_000);
});
