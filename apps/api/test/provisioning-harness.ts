import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEventEntity, HostEntity, NodeEntity, WorkspaceEntity, type WorkspaceStatus } from '@enclave/persistence';
import { JOB_IDS, JobName, type OutboxJobOptions, QueueService } from '@enclave/queue';
import type { RunningSandbox } from '@enclave/sandbox';
import type { TestSshd } from '@enclave/testing';
import { type ApiHarness, startApiHarness } from './api-harness';
import { eventually } from './eventually';
import { CLOUDFLARE_TOKEN, DNS_ZONE, startProvisioningEnvironment } from './provisioning-env';
import { signInByEmail } from './sign-in';
import { type TestHost, testHostPool } from './test-hosts';
import { type WorkerProcess, workerPool } from './worker-process';

export { eventually } from './eventually';
export { BUNDLE_CACHE, DNS_ZONE, REPO_ROOT } from './provisioning-env';
export type { WorkerProcess } from './worker-process';

export interface ProvisioningHarness {
  api: ApiHarness;
  cloudflare: RunningSandbox;
  zoneId: string;
  env: NodeJS.ProcessEnv;
  staffCookie: string;
  ownerCookie: string;
  ownerEmail: string;
  hosts: TestSshd[];
  /** The client key every test sshd accepts (the control plane's SSH key). */
  sshKeyPath: string;
  startWorker(label?: string, extraEnv?: NodeJS.ProcessEnv): WorkerProcess;
  /** Starts a real sshd and registers it in the pool through the staff API. */
  addHost(options?: { fingerprint?: string }): Promise<TestHost>;
  /** A workspace as billing leaves it after payment: status `provisioning`, job enqueued. */
  paidWorkspace(slug: string, jobOptions?: OutboxJobOptions): Promise<string>;
  enqueueProvision(workspaceId: string, jobOptions?: OutboxJobOptions): Promise<void>;
  /** What billing does once a cancellation's delay has passed. */
  requestDeprovision(workspaceId: string, jobOptions?: OutboxJobOptions): Promise<void>;
  /** The pool host (and its sshd) the workspace got: allocation takes the oldest free host. */
  allocatedHost(workspaceId: string): Promise<TestHost>;
  waitForStatus(
    workspaceId: string,
    status: WorkspaceStatus | WorkspaceStatus[],
    timeoutMs?: number,
  ): Promise<WorkspaceStatus>;
  dnsRecords(
    name: string,
  ): Promise<Array<{ id: string; name: string; type: string; content: string; proxied: boolean }>>;
  /**
   * What the Cloudflare edge would connect to for a node's hostname: the proxied record's address
   * and the public port of the host the workspace's node runs on (test hosts share 127.0.0.1).
   * Pass it as `edgeResolve` to a providers sandbox so its webhooks reach the nodes.
   */
  edgeOrigin(hostname: string): Promise<{ address: string; port: number } | undefined>;
  /** PEM of the Origin CA the nodes' certificates chain to. */
  originCaPem: string;
  auditActions(workspaceId: string): Promise<string[]>;
  counts(workspaceId: string): Promise<{ hosts: number; liveNodes: number }>;
  close(): Promise<void>;
}

/**
 * The whole provisioning path for real: the API (node callbacks, staff API), worker processes,
 * a Cloudflare stand-in (DNS + Origin CA from a local test CA), and real OpenSSH servers on
 * loopback as hosts; the bundle built from agent-node/ is installed and run on them.
 */
export async function startProvisioningHarness(overrides: NodeJS.ProcessEnv = {}): Promise<ProvisioningHarness> {
  const scratch = mkdtempSync(join(tmpdir(), 'enclave-prov-'));
  const environment = await startProvisioningEnvironment(scratch, overrides);
  const { cf, cloudflare, zoneId, sshKeyPath } = environment;
  const api = await startApiHarness(environment.env);
  const env = { ...api.env };
  const staffCookie = await signInByEmail(api, 'staff@enclave.test');
  const ownerEmail = 'owner@provisioning.test';
  const ownerCookie = await signInByEmail(api, ownerEmail);
  const queues = api.app.get(QueueService);
  const workers = workerPool(env, scratch);
  const hostPool = testHostPool(api, staffCookie, sshKeyPath);

  const enqueueProvision = async (workspaceId: string, jobOptions: OutboxJobOptions = {}) => {
    await queues.enqueue(
      api.dataSource.manager,
      JobName.ProvisionWorkspace,
      { workspaceId },
      { jobId: JOB_IDS.provisionWorkspace(workspaceId), ...jobOptions },
    );
  };

  const paidWorkspace = async (slug: string, jobOptions: OutboxJobOptions = {}) => {
    const created = await api
      .http()
      .post('/api/workspaces')
      .set('cookie', ownerCookie)
      .send({ name: `Workspace ${slug}`, slug });
    if (created.status !== 201) throw new Error(`workspace creation failed: ${created.status}`);
    const id = created.body.id as string;
    await api.dataSource.getRepository(WorkspaceEntity).update({ id }, { status: 'provisioning' });
    await enqueueProvision(id, jobOptions);
    return id;
  };

  const requestDeprovision = async (workspaceId: string, jobOptions: OutboxJobOptions = {}) => {
    await api.dataSource.getRepository(WorkspaceEntity).update({ id: workspaceId }, { status: 'deprovisioning' });
    await queues.enqueue(
      api.dataSource.manager,
      JobName.DeprovisionWorkspace,
      { workspaceId },
      { jobId: JOB_IDS.deprovisionWorkspace(workspaceId), ...jobOptions },
    );
  };

  const waitForStatus = async (
    workspaceId: string,
    status: WorkspaceStatus | WorkspaceStatus[],
    timeoutMs = 120_000,
  ) => {
    const wanted = Array.isArray(status) ? status : [status];
    return eventually(
      async () => {
        const workspace = await api.dataSource.getRepository(WorkspaceEntity).findOneByOrFail({ id: workspaceId });
        return wanted.includes(workspace.status) ? workspace.status : undefined;
      },
      timeoutMs,
      250,
    );
  };

  const dnsRecords = async (name: string) => {
    const response = await fetch(
      `${cloudflare.url}/cloudflare/client/v4/zones/${zoneId}/dns_records?name=${encodeURIComponent(name)}`,
      { headers: { authorization: `Bearer ${CLOUDFLARE_TOKEN}` } },
    );
    const body = (await response.json()) as {
      result: Array<{ id: string; name: string; type: string; content: string; proxied: boolean }>;
    };
    return body.result;
  };

  const edgeOrigin = async (hostname: string) => {
    const address = cf.proxiedOrigin(hostname);
    if (!address || !hostname.endsWith(`.${DNS_ZONE}`)) return undefined;
    const rows = (await api.dataSource.query(
      `SELECT h.public_port AS port FROM workspaces w JOIN nodes n ON n.workspace_id = w.id JOIN hosts h ON h.id = n.host_id WHERE w.slug = $1 AND n.status <> 'wiped' LIMIT 1`,
      [hostname.slice(0, -DNS_ZONE.length - 1)],
    )) as Array<{ port: number }>;
    return rows[0] ? { address, port: rows[0].port } : undefined;
  };

  const auditActions = async (workspaceId: string) =>
    (await api.dataSource.getRepository(AuditEventEntity).find({ where: { workspaceId }, order: { id: 'ASC' } })).map(
      (event) => event.action,
    );

  const counts = async (workspaceId: string) => ({
    hosts: await api.dataSource.getRepository(HostEntity).countBy({ workspaceId }),
    liveNodes: (await api.dataSource.getRepository(NodeEntity).findBy({ workspaceId })).filter(
      (node) => node.status !== 'wiped',
    ).length,
  });

  return {
    api,
    cloudflare,
    zoneId,
    env,
    staffCookie,
    ownerCookie,
    ownerEmail,
    hosts: hostPool.hosts,
    sshKeyPath,
    startWorker: workers.start,
    addHost: hostPool.add,
    paidWorkspace,
    enqueueProvision,
    requestDeprovision,
    waitForStatus,
    allocatedHost: hostPool.allocatedTo,
    dnsRecords,
    edgeOrigin,
    originCaPem: cf.originCa.certificatePem,
    auditActions,
    counts,
    async close() {
      await workers.killAll();
      await hostPool.destroyAll();
      await api.close();
      await cloudflare.close();
      if (!process.env.PROVISIONING_TEST_KEEP) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
