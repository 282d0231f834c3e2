import { execFileSync } from 'node:child_process';
import { HostEntity, NodeEntity, ProvisioningRunEntity, ProvisioningStepEntity } from '@enclave/persistence';
import { PROVISION_STEPS } from '@enclave/provisioning';
import { JobName, QueueService } from '@enclave/queue';
import {
  eventually,
  type ProvisioningHarness,
  startProvisioningHarness,
  type WorkerProcess,
} from '../../test/provisioning-harness';

describe('provisioning survives crashes and concurrent workers (real sshd, worker processes)', () => {
  let h: ProvisioningHarness;

  beforeAll(async () => {
    h = await startProvisioningHarness();
  }, 120_000);
  afterAll(() => h?.close());

  const stepsOf = async (workspaceId: string) => {
    const run = await h.api.dataSource
      .getRepository(ProvisioningRunEntity)
      .findOneBy({ workspaceId, action: 'provision' });
    return run
      ? h.api.dataSource
          .getRepository(ProvisioningStepEntity)
          .find({ where: { runId: run.id }, order: { position: 'ASC' } })
      : [];
  };

  it('converges to active with one DNS record, one node and one host after kill -9 of the worker during each step', async () => {
    const { root } = await h.addHost();
    let worker: WorkerProcess = h.startWorker('crash-start');
    const workspaceId = await h.paidWorkspace('crash-test');
    const killedDuring: string[] = [];
    let kills = 0;
    for (const step of PROVISION_STEPS) {
      const seen = await eventually(
        async () => {
          const row = (await stepsOf(workspaceId)).find((s) => s.name === step);
          if (row?.status === 'running') return 'running';
          if (row?.status === 'succeeded') return 'passed';
          return undefined;
        },
        120_000,
        20,
      );
      if (seen !== 'running') continue;
      await worker.kill('SIGKILL');
      kills += 1;
      // The step may have finished between our read and the kill: it only counts as
      // interrupted if the dead worker left it running.
      const after = (await stepsOf(workspaceId)).find((s) => s.name === step);
      if (after?.status === 'running') killedDuring.push(step);
      worker = h.startWorker(`crash-after-${step}`);
    }
    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    await worker.kill('SIGTERM');
    process.stdout.write(`worker killed (-9) during: ${killedDuring.join(', ')}\n`);
    expect(killedDuring.length).toBeGreaterThanOrEqual(4);

    const run = await h.api.dataSource
      .getRepository(ProvisioningRunEntity)
      .findOneByOrFail({ workspaceId, action: 'provision' });
    expect(run.status).toBe('succeeded');
    // One attempt per interrupted step plus the one that finished; a kill that landed between steps may add one.
    expect(run.attempts).toBeGreaterThanOrEqual(killedDuring.length + 1);
    expect(run.attempts).toBeLessThanOrEqual(kills + 1);
    for (const step of killedDuring) {
      const row = (await stepsOf(workspaceId)).find((s) => s.name === step)!;
      expect(row.attempts).toBeGreaterThanOrEqual(2);
      expect(row.status).toBe('succeeded');
    }
    expect(await h.counts(workspaceId)).toEqual({ hosts: 1, liveNodes: 1 });
    expect(await h.dnsRecords('crash-test.enclave.test')).toHaveLength(1);
    expect(await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ workspaceId })).toMatchObject({
      status: 'healthy',
    });
    // Exactly one node process runs on the host.
    const processes = execFileSync('pgrep', ['-f', `${root}/current/bin/node`])
      .toString()
      .trim()
      .split('\n');
    expect(processes).toHaveLength(1);
    const actions = await h.auditActions(workspaceId);
    expect(actions.filter((a) => a === 'provisioning.host_allocated')).toHaveLength(1);
    expect(actions.filter((a) => a === 'provisioning.succeeded')).toHaveLength(1);
  }, 400_000);

  it('never provisions the same workspace twice with two workers running, even with a second job for it', async () => {
    await h.addHost();
    await h.addHost();
    const workers = [h.startWorker('pair-a'), h.startWorker('pair-b')];
    const first = await h.paidWorkspace('pair-one');
    const second = await h.paidWorkspace('pair-two');
    // Duplicates: the same job id again (a no-op), and a job under another id that bypasses it.
    await h.enqueueProvision(first);
    await h.api.app
      .get(QueueService)
      .queueOf(JobName.ProvisionWorkspace)
      .add(JobName.ProvisionWorkspace, { workspaceId: first }, { jobId: `provision-duplicate.${first}` });
    expect(await h.waitForStatus(first, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    expect(await h.waitForStatus(second, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    for (const workspaceId of [first, second]) {
      expect(await h.counts(workspaceId)).toEqual({ hosts: 1, liveNodes: 1 });
      const runs = await h.api.dataSource.getRepository(ProvisioningRunEntity).findBy({ workspaceId });
      expect(runs).toHaveLength(1);
      const actions = await h.auditActions(workspaceId);
      expect(actions.filter((a) => a === 'provisioning.host_allocated')).toHaveLength(1);
      expect(actions.filter((a) => a === 'provisioning.succeeded')).toHaveLength(1);
    }
    const hostA = await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ workspaceId: first });
    const hostB = await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ workspaceId: second });
    expect(hostA.id).not.toBe(hostB.id);
    for (const worker of workers) await worker.kill('SIGTERM');
  }, 300_000);
});
