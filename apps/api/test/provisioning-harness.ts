import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AuditEventEntity, HostEntity, NodeEntity, WorkspaceEntity, type WorkspaceStatus } from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { cloudflareStandIn, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import { freeTcpPort, generateSshKey, startTestSshd, type TestSshd } from '@enclave/testing';
import type { JobsOptions } from 'bullmq';
import { type ApiHarness, startApiHarness } from './api-harness';
import { signInByEmail } from './sign-in';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const BUNDLE_CACHE = join(REPO_ROOT, 'tmp/provisioning-bundles');
export const DNS_ZONE = 'enclave.test';
const CLOUDFLARE_TOKEN = 'provisioning-test-token';
const ORIGIN_CA_KEY = 'v1.0-provisioning-test-origin-ca-key';

/** A worker process (apps/worker/src/main.ts), as production runs it, that a test may kill -9. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

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
  addHost(options?: { fingerprint?: string }): Promise<{ sshd: TestSshd; hostId: string; root: string }>;
  /** A workspace as billing leaves it after payment: status `provisioning`, job enqueued. */
  paidWorkspace(slug: string, jobOptions?: JobsOptions): Promise<string>;
  enqueueProvision(workspaceId: string, jobOptions?: JobsOptions): Promise<void>;
  /** What billing does once a cancellation's delay has passed. */
  requestDeprovision(workspaceId: string, jobOptions?: JobsOptions): Promise<void>;
  /** The pool host (and its sshd) the workspace got: allocation takes the oldest free host. */
  allocatedHost(workspaceId: string): Promise<{ sshd: TestSshd; hostId: string; root: string }>;
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

export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The whole provisioning path for real: the API (node callbacks, staff API), worker processes,
 * a Cloudflare stand-in (DNS + Origin CA from a local test CA), and real OpenSSH servers on
 * loopback as hosts; the bundle built from agent-node/ is installed and run on them.
 */
export async function startProvisioningHarness(overrides: NodeJS.ProcessEnv = {}): Promise<ProvisioningHarness> {
  const scratch = mkdtempSync(join(tmpdir(), 'enclave-prov-'));
  const cf = cloudflareStandIn({ zones: [DNS_ZONE], apiToken: CLOUDFLARE_TOKEN, originCaKey: ORIGIN_CA_KEY });
  const cloudflare = await startSandbox([cf], 0);
  const zoneId = cf.zoneId(DNS_ZONE);
  if (!zoneId) throw new Error(`the Cloudflare stand-in has no zone ${DNS_ZONE}`);
  const caPath = join(scratch, 'origin-ca.pem');
  writeFileSync(caPath, cf.originCa.certificatePem);
  const signingKeyPath = join(scratch, 'control-plane.ed25519.pem');
  writeFileSync(signingKeyPath, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const sshKeyPath = join(scratch, 'control-plane-ssh');
  generateSshKey(sshKeyPath, 'enclave-control-plane');

  const provisioningEnv: NodeJS.ProcessEnv = {
    NODE_PROTOCOL_SIGNING_KEY_PATH: signingKeyPath,
    PROVISIONING_SSH_KEY_PATH: sshKeyPath,
    PROVISIONING_SSH_CONNECT_TIMEOUT_MS: '3000',
    PROVISIONING_SSH_KEEPALIVE_MS: '2000',
    PROVISIONING_BUNDLE_CACHE_DIR: BUNDLE_CACHE,
    PROVISIONING_SOURCE_ROOT: REPO_ROOT,
    PROVISIONING_NODE_MEMORY_MAX: '512M',
    PROVISIONING_NODE_HEARTBEAT_MS: '1000',
    PROVISIONING_WAIT_TIMEOUT_MS: '45000',
    PROVISIONING_JOB_LOCK_MS: '3000',
    PROVISIONING_RECONCILE_INTERVAL_MS: '0',
    NODE_DNS_ZONE: DNS_ZONE,
    CLOUDFLARE_API_URL: `${cloudflare.url}/cloudflare/client/v4`,
    CLOUDFLARE_API_TOKEN: CLOUDFLARE_TOKEN,
    CLOUDFLARE_ZONE_ID: zoneId,
    CLOUDFLARE_ORIGIN_CA_KEY: ORIGIN_CA_KEY,
    CLOUDFLARE_ORIGIN_CA_ROOT_PATH: caPath,
    ...overrides,
  };
  const api = await startApiHarness(provisioningEnv);
  const env = { ...api.env };
  const staffCookie = await signInByEmail(api, 'staff@enclave.test');
  const ownerEmail = 'owner@provisioning.test';
  const ownerCookie = await signInByEmail(api, ownerEmail);
  const hosts: TestSshd[] = [];
  const workers = new Set<WorkerProcess>();
  const queues = api.app.get(QueueService);

  const startWorker = (label = 'worker', extraEnv: NodeJS.ProcessEnv = {}): WorkerProcess => {
    const log = createWriteStream(join(scratch, `${label}-${Date.now()}.log`));
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...env,
        ...extraEnv,
        LOG_LEVEL: process.env.PROVISIONING_TEST_LOG_LEVEL ?? 'warn',
        SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const worker: WorkerProcess = {
      child,
      kill: (signal: NodeJS.Signals = 'SIGKILL') =>
        new Promise<void>((done) => {
          workers.delete(worker);
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill(signal);
        }),
    };
    workers.add(worker);
    return worker;
  };

  const addHost = async (options: { fingerprint?: string } = {}) => {
    const sshd = await startTestSshd({ clientKeyPath: sshKeyPath });
    hosts.push(sshd);
    const root = join(sshd.dir, 'enclave');
    const response = await api
      .http()
      .post('/api/staff/hosts')
      .set('cookie', staffCookie)
      .send({
        name: `loopback-${sshd.port}`,
        address: '127.0.0.1',
        sshPort: sshd.port,
        sshUser: 'root',
        hostKeyFingerprint: options.fingerprint ?? sshd.hostKeyFingerprint,
        installRoot: root,
        nodePort: await freeTcpPort(),
        publicPort: await freeTcpPort(),
      });
    if (response.status !== 201)
      throw new Error(`host registration failed: ${response.status} ${JSON.stringify(response.body)}`);
    return { sshd, hostId: response.body.id as string, root };
  };

  const enqueueProvision = async (workspaceId: string, jobOptions: JobsOptions = {}) => {
    await queues.enqueue(
      JobName.ProvisionWorkspace,
      { workspaceId },
      { jobId: JOB_IDS.provisionWorkspace(workspaceId), ...jobOptions },
    );
  };

  const paidWorkspace = async (slug: string, jobOptions: JobsOptions = {}) => {
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

  const requestDeprovision = async (workspaceId: string, jobOptions: JobsOptions = {}) => {
    await api.dataSource.getRepository(WorkspaceEntity).update({ id: workspaceId }, { status: 'deprovisioning' });
    await queues.enqueue(
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

  const allocatedHost = async (workspaceId: string) => {
    const host = await api.dataSource.getRepository(HostEntity).findOneByOrFail({ workspaceId });
    const sshd = hosts.find((each) => each.port === host.sshPort);
    if (!sshd) throw new Error(`no test sshd on port ${host.sshPort}`);
    return { sshd, hostId: host.id, root: host.installRoot };
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
    hosts,
    sshKeyPath,
    startWorker,
    addHost,
    paidWorkspace,
    enqueueProvision,
    requestDeprovision,
    waitForStatus,
    allocatedHost,
    dnsRecords,
    edgeOrigin,
    originCaPem: cf.originCa.certificatePem,
    auditActions,
    counts,
    async close() {
      for (const worker of [...workers]) await worker.kill('SIGKILL');
      // Stop every node left running on the hosts (wipe script), then the hosts.
      for (const sshd of hosts) {
        try {
          execFileSync('bash', [join(REPO_ROOT, 'provisioning/host/wipe.sh'), join(sshd.dir, 'enclave')], {
            stdio: 'ignore',
          });
        } catch {
          // best effort
        }
        await sshd.destroy();
      }
      await api.close();
      await cloudflare.close();
      if (!process.env.PROVISIONING_TEST_KEEP) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
