import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HostEntity, NodeEntity, PendingSecretDeliveryEntity, ProvisioningRunEntity } from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { createStandIns, recordFigures, recordNeedle, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import { SECRET_ENCRYPTION_KEY, SECRET_PEPPER } from '../../test/agent-node-harness';
import { alnum } from '../../test/agents-workspace';
import {
  cutSshSessions,
  nodeProcesses,
  stillRunning,
  terminateDatabaseConnections,
  waitForRunningStep,
} from '../../test/faults';
import {
  DNS_ZONE,
  eventually,
  type ProvisioningHarness,
  startProvisioningHarness,
  type WorkerProcess,
} from '../../test/provisioning-harness';

/** One line per fault for the proof figures: what was injected, where it landed, how it ended. */
interface FaultFigure {
  fault: string;
  landedIn: string | null;
  outcome: string;
  ms: number;
  [detail: string]: unknown;
}

/**
 * Faults the crash and failure specs do not inject: a worker killed during deprovisioning, a
 * worker stopped gracefully mid-run, PostgreSQL dropping every connection, the SSH connection cut
 * during the bundle upload. One harness, worker and host pool for all; each fault gets its own
 * host and workspace, and must converge without anything done twice.
 */
describe('provisioning under injected faults (real sshd, worker processes)', () => {
  let h: ProvisioningHarness;
  let providers: RunningSandbox;
  let worker: WorkerProcess;
  const figures: FaultFigure[] = [];
  const started = Date.now();
  /** A workspace the upload fault left active, deprovisioned later under a kill -9. */
  let uploadWorkspace: { id: string; slug: string } | undefined;
  /** A workspace the PostgreSQL fault left active, whose node gets a secret under a kill -9. */
  let deliveryWorkspace: { id: string; root: string } | undefined;

  beforeAll(async () => {
    // Secrets need the vault keys and an OpenAI stand-in (keys are checked before they are stored);
    // short node calls, since the delivery fault holds the worker in a call to a stopped node.
    providers = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
    recordNeedle('secret', SECRET_ENCRYPTION_KEY);
    recordNeedle('secret', SECRET_PEPPER);
    h = await startProvisioningHarness({
      SECRET_ENCRYPTION_KEY,
      SECRET_PEPPER,
      OPENAI_API_URL: `${providers.url}/openai/v1`,
      NODE_REQUEST_TIMEOUT_MS: '5000',
    });
    worker = h.startWorker('faults');
  }, 120_000);

  afterAll(async () => {
    await worker?.kill();
    await h?.close();
    await providers?.close();
    recordFigures('faults', { faults: figures.length, totalMs: Date.now() - started, figures });
  });

  const runOf = (workspaceId: string, action: 'provision' | 'deprovision') =>
    h.api.dataSource.getRepository(ProvisioningRunEntity).findOneByOrFail({ workspaceId, action });
  const count = (actions: string[], action: string) => actions.filter((a) => a === action).length;

  /** Active, and everything once: one run, host, live node, node process, DNS record, audit pair. */
  async function expectProvisionedOnce(workspaceId: string, slug: string, root: string) {
    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    expect(await h.api.dataSource.getRepository(ProvisioningRunEntity).countBy({ workspaceId })).toBe(1);
    expect(await runOf(workspaceId, 'provision')).toMatchObject({ status: 'succeeded' });
    expect(await h.counts(workspaceId)).toEqual({ hosts: 1, liveNodes: 1 });
    expect(await h.dnsRecords(`${slug}.${DNS_ZONE}`)).toHaveLength(1);
    expect(nodeProcesses(root)).toHaveLength(1);
    const actions = await h.auditActions(workspaceId);
    expect(count(actions, 'provisioning.host_allocated')).toBe(1);
    expect(count(actions, 'provisioning.succeeded')).toBe(1);
  }

  it('retries an upload whose SSH connection was cut mid-transfer: active with one node, complete bundle', async () => {
    const t0 = Date.now();
    const { sshd, root } = await h.addHost();
    const slug = 'fault-upload';
    const workspaceId = await h.paidWorkspace(slug);
    // Mid-transfer: an SFTP upload writes `<name>.partial` and renames it once complete.
    const partial = await eventually(
      async () => {
        const dir = join(root, 'bundles');
        const file = existsSync(dir) ? readdirSync(dir).find((name) => name.endsWith('.partial')) : undefined;
        return file && statSync(join(dir, file), { throwIfNoEntry: false })?.size ? file : undefined;
      },
      120_000,
      5,
    );
    const killed = cutSshSessions(sshd);
    const interrupted = await stillRunning(h.api.dataSource, workspaceId, 'provision', 'upload');
    expect(killed).toBeGreaterThan(0);
    await expectProvisionedOnce(workspaceId, slug, root);
    const run = await runOf(workspaceId, 'provision');
    expect(run.attempts).toBeGreaterThanOrEqual(2);
    // The bundle uploaded again is complete: the node it installed passed the health step.
    expect(await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ workspaceId })).toMatchObject({
      status: 'healthy',
    });
    uploadWorkspace = { id: workspaceId, slug };
    figures.push({
      fault: 'ssh sessions killed mid-upload',
      landedIn: interrupted ? 'upload' : null,
      outcome: 'active',
      partialFile: partial,
      sshdProcessesKilled: killed,
      runAttempts: run.attempts,
      ms: Date.now() - t0,
    });
  }, 300_000);
  it('finishes a run whose worker was stopped gracefully (SIGTERM) mid-run in a new worker, nothing twice', async () => {
    const t0 = Date.now();
    // With the default grace the stopping worker drains the run (seconds on loopback); a grace
    // shorter than the run (as a pod's termination grace can be) leaves it to the next worker.
    await worker.kill('SIGTERM');
    worker = h.startWorker('faults-short-grace', { WORKER_SHUTDOWN_GRACE_MS: '250' });
    const { root } = await h.addHost();
    const slug = 'fault-sigterm';
    const workspaceId = await h.paidWorkspace(slug);
    const landedIn = await waitForRunningStep(h.api.dataSource, workspaceId, 'provision', ['install', 'start', 'dns']);
    const stopping = Date.now();
    await worker.kill('SIGTERM');
    const stopMs = Date.now() - stopping;
    const exit = { code: worker.child.exitCode, signal: worker.child.signalCode };
    const leftUnfinished = (await runOf(workspaceId, 'provision')).status !== 'succeeded';
    worker = h.startWorker('faults-after-sigterm');
    await expectProvisionedOnce(workspaceId, slug, root);
    figures.push({
      fault: 'worker SIGTERM mid-provisioning',
      landedIn: landedIn ?? null,
      outcome: 'active',
      workerExit: exit,
      stopMs,
      finishedBy: leftUnfinished ? 'new worker' : 'stopping worker (drained)',
      runAttempts: (await runOf(workspaceId, 'provision')).attempts,
      ms: Date.now() - t0,
    });
  }, 300_000);

  it('converges to active after PostgreSQL dropped every connection mid-run; the API answers again at once', async () => {
    const t0 = Date.now();
    const { root } = await h.addHost();
    const slug = 'fault-postgres';
    const workspaceId = await h.paidWorkspace(slug);
    const landedIn = await waitForRunningStep(h.api.dataSource, workspaceId, 'provision', [
      'upload',
      'install',
      'start',
    ]);
    const terminated = await terminateDatabaseConnections(h.api.dataSource);
    expect(terminated).toBeGreaterThan(0);
    // The pools drop the dead connections (idle ones at once, busy ones on their error): at most one failed request.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 2 && statuses.at(-1) !== 200; attempt += 1)
      statuses.push(
        (await h.api.http().get(`/api/workspaces/${workspaceId}/provisioning`).set('cookie', h.ownerCookie)).status,
      );
    expect(statuses.at(-1)).toBe(200);
    await expectProvisionedOnce(workspaceId, slug, root);
    deliveryWorkspace = { id: workspaceId, root };
    figures.push({
      fault: 'postgres connections terminated mid-provisioning',
      landedIn: landedIn ?? null,
      outcome: 'active',
      connectionsTerminated: terminated,
      apiStatusesAfter: statuses,
      runAttempts: (await runOf(workspaceId, 'provision')).attempts,
      ms: Date.now() - t0,
    });
  }, 300_000);

  it('finishes a deprovisioning whose worker was killed -9 during the wipe in a new worker: host freed, all gone once', async () => {
    const t0 = Date.now();
    if (!uploadWorkspace) throw new Error('needs the workspace the upload test provisioned');
    const { id: workspaceId, slug } = uploadWorkspace;
    const { root, hostId } = await h.allocatedHost(workspaceId);
    await h.requestDeprovision(workspaceId);
    const landedIn = await waitForRunningStep(h.api.dataSource, workspaceId, 'deprovision', ['node-wipe', 'host-wipe']);
    await worker.kill('SIGKILL');
    const interrupted = landedIn ? await stillRunning(h.api.dataSource, workspaceId, 'deprovision', landedIn) : false;
    worker = h.startWorker('faults-after-deprovision-kill');
    expect(await h.waitForStatus(workspaceId, ['deprovisioned'], 120_000)).toBe('deprovisioned');
    expect(await runOf(workspaceId, 'deprovision')).toMatchObject({ status: 'succeeded' });
    expect(await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ id: hostId })).toMatchObject({
      status: 'free',
      workspaceId: null,
    });
    expect(await h.counts(workspaceId)).toEqual({ hosts: 0, liveNodes: 0 });
    expect(await h.dnsRecords(`${slug}.${DNS_ZONE}`)).toEqual([]);
    expect(nodeProcesses(root)).toEqual([]);
    expect(existsSync(join(root, 'data'))).toBe(false);
    const actions = await h.auditActions(workspaceId);
    expect(count(actions, 'deprovisioning.succeeded')).toBe(1);
    expect(count(actions, 'host.released')).toBe(1);
    figures.push({
      fault: 'worker kill -9 mid-deprovisioning',
      landedIn: interrupted ? landedIn! : null,
      outcome: 'deprovisioned',
      runAttempts: (await runOf(workspaceId, 'deprovision')).attempts,
      ms: Date.now() - t0,
    });
  }, 300_000);
  it('delivers a waiting secret exactly once after the worker was killed -9 during its delivery', async () => {
    const t0 = Date.now();
    if (!deliveryWorkspace) throw new Error('needs the workspace the PostgreSQL test provisioned');
    const { id: workspaceId, root } = deliveryWorkspace;
    // A stopped (not dead) node: the API's delivery times out, and the worker's hangs in its call.
    const nodePids = nodeProcesses(root);
    expect(nodePids).toHaveLength(1);
    for (const pid of nodePids) process.kill(pid, 'SIGSTOP');
    const key = `sk-faults${alnum(30)}`;
    recordNeedle('secret', key);
    try {
      const put = await h.api
        .http()
        .put(`/api/workspaces/${workspaceId}/secrets/openai_api_key`)
        .set('cookie', h.ownerCookie)
        .send({ value: key })
        .expect(200);
      expect(put.body.delivery).toBe('pending');
      const job = () =>
        h.api.app.get(QueueService).queueOf(JobName.DeliverToNode).getJob(JOB_IDS.deliverToNode(workspaceId));
      await eventually(async () => (await (await job())?.getState()) === 'active', 60_000, 20);
      await worker.kill('SIGKILL');
    } finally {
      for (const pid of nodePids) process.kill(pid, 'SIGCONT');
    }
    worker = h.startWorker('faults-after-delivery-kill');
    // The dead worker's job is taken over once its lock expires (the stalled-job check).
    const pending = h.api.dataSource.getRepository(PendingSecretDeliveryEntity);
    await eventually(async () => (await pending.countBy({ workspaceId })) === 0, 120_000, 250);
    const secrets = await h.api
      .http()
      .get(`/api/workspaces/${workspaceId}/secrets`)
      .set('cookie', h.ownerCookie)
      .expect(200);
    expect(secrets.body).toEqual([expect.objectContaining({ kind: 'openai_api_key', status: 'delivered' })]);
    expect(count(await h.auditActions(workspaceId), 'secret.delivered')).toBe(1);
    figures.push({
      fault: 'worker kill -9 mid-secret-delivery (node stopped)',
      landedIn: 'deliver-to-node',
      outcome: 'delivered once',
      ms: Date.now() - t0,
    });
  }, 300_000);
});
