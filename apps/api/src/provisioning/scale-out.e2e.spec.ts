import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostEntity, ProvisioningRunEntity, WorkspaceEntity } from '@enclave/persistence';
import { JobName, QueueService } from '@enclave/queue';
import { recordFigures, type RunningSandbox } from '@enclave/sandbox';
import { type ApiProcess, startApiProcess } from '../../test/api-process';
import {
  billingHarnessOf,
  type BillingHarness,
  type Customer,
  mailTo,
  ownerWithWorkspace,
  startStripeSandbox,
  statusTransitions,
  subscribe,
  subscriptionOf,
} from '../../test/billing';
import {
  DNS_ZONE,
  eventually,
  type ProvisioningHarness,
  startProvisioningHarness,
} from '../../test/provisioning-harness';
import { type RoundRobinProxy, startRoundRobinProxy } from '../../test/round-robin-proxy';

const WORKSPACES = 10;
/** Provisioning jobs per worker: more jobs active than one worker takes means both workers hold some. */
const CONCURRENCY = 2;

/**
 * Scale-out as docs/operations.md describes it: two API replicas (this process's and one of its
 * own) and two worker processes on one PostgreSQL and one Redis prefix. Customers sign up and pay
 * through either API (alternating); Stripe's webhooks reach the replicas through a round-robin
 * balancer. One worker is killed -9 while both hold jobs and others wait; the other takes the
 * dead one's jobs over (BullMQ stalled-job check) and finishes every workspace, each exactly once.
 */
describe('scale-out: two APIs and two workers, one worker killed -9 mid-run (real sshd, Stripe stand-in)', () => {
  let stripe: { sandbox: RunningSandbox; env: NodeJS.ProcessEnv };
  let h: ProvisioningHarness;
  let secondApi: ApiProcess;
  let balancer: RoundRobinProxy;
  let logDir: string;

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'enclave-scale-out-'));
    stripe = await startStripeSandbox();
    h = await startProvisioningHarness({ ...stripe.env, QUEUE_CONCURRENCY: `provisioning=${CONCURRENCY}` });
    // Every workspace gets a dedicated host: one loopback sshd each.
    const [api] = await Promise.all([
      startApiProcess(h.env, logDir, 'second-api'),
      (async () => {
        for (let i = 0; i < WORKSPACES; i += 1) await h.addHost();
      })(),
    ]);
    secondApi = api;
    balancer = await startRoundRobinProxy([h.api.url, secondApi.url]);
  }, 240_000);
  afterAll(async () => {
    await balancer?.close();
    await secondApi?.process.kill('SIGTERM');
    await h?.close();
    await stripe?.sandbox.close();
    if (logDir && !process.env.PROVISIONING_TEST_KEEP) rmSync(logDir, { recursive: true, force: true });
  });

  it('provisions 10 paid workspaces exactly once each while one of two workers and one of two APIs are killed -9', async () => {
    const viaFirstApi = await billingHarnessOf(h.api, stripe.sandbox, `${balancer.url}/api/stripe/webhook`);
    // Same controls, customer requests to the other replica (PUBLIC_URL is the first's: one public address).
    const viaSecondApi: BillingHarness = { ...viaFirstApi, api: { ...h.api, http: secondApi.http } };
    const workers = [h.startWorker('scale-out-a'), h.startWorker('scale-out-b')];
    const queue = h.api.app.get(QueueService).queueOf(JobName.ProvisionWorkspace);
    const workspaces = h.api.dataSource.getRepository(WorkspaceEntity);
    const runs = h.api.dataSource.getRepository(ProvisioningRunEntity);
    const started = Date.now();

    // Killed once more runs are under way than one worker takes (so both hold some) and jobs wait.
    const kill = (async () => {
      const atKill = await eventually(
        async () => {
          const [running, waiting] = await Promise.all([runs.countBy({ status: 'running' }), queue.getWaitingCount()]);
          return running > CONCURRENCY && waiting > 0 ? { running, waiting } : undefined;
        },
        150_000,
        50,
      );
      await workers[0].kill('SIGKILL');
      const activeWorkspaces = await workspaces.countBy({ status: 'active' });
      return { ...atKill, activeWorkspaces, afterMs: Date.now() - started };
    })();

    const customers: Customer[] = await Promise.all(
      Array.from({ length: WORKSPACES }, async (_, i) => {
        const billing = i % 2 === 0 ? viaFirstApi : viaSecondApi;
        const customer = await ownerWithWorkspace(billing, `scale${i}`);
        await subscribe(billing, customer);
        return customer;
      }),
    );
    const paidMs = Date.now() - started;
    // An API replica dies too (kill -9) while runs go on: provisioning needs no API (jobs wait in
    // Redis and the PostgreSQL outbox, which every process relays); the other replica serves on.
    await secondApi.process.kill('SIGKILL');
    const apiKilledAfterMs = Date.now() - started;
    const killed = await kill;
    for (const { workspaceId } of customers)
      expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    const totalMs = Date.now() - started;
    await workers[1].kill('SIGTERM');
    await h.api.http().get('/api/health').expect(200);

    // Both replicas served Stripe's deliveries.
    expect(balancer.forwarded.every((count) => count > 0)).toBe(true);

    const hostIds = new Set<string>();
    let attempts = 0;
    let runsTakenOver = 0;
    for (const { workspaceId, email } of customers) {
      const { slug } = await workspaces.findOneByOrFail({ id: workspaceId });
      await subscriptionOf(viaFirstApi, workspaceId);
      // One run per workspace, finished; one host, one live node, one DNS record, one node process.
      const [run, ...others] = await runs.findBy({ workspaceId, action: 'provision' });
      expect(others).toEqual([]);
      expect(run.status).toBe('succeeded');
      attempts += run.attempts;
      if (run.attempts > 1) runsTakenOver += 1;
      expect(await h.counts(workspaceId)).toEqual({ hosts: 1, liveNodes: 1 });
      expect(await h.dnsRecords(`${slug}.${DNS_ZONE}`)).toHaveLength(1);
      const host = await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ workspaceId });
      hostIds.add(host.id);
      const nodes = execFileSync('pgrep', ['-f', `${host.installRoot}/current/bin/node`])
        .toString()
        .trim();
      expect(nodes.split('\n')).toHaveLength(1);
      // Payment was applied once, whichever replica(s) Stripe's deliveries reached.
      expect(await statusTransitions(viaFirstApi, workspaceId)).toEqual(['pending_payment→provisioning (webhook)']);
      // Side effects of provisioning happened once: audit events and the owner's notice.
      const actions = await h.auditActions(workspaceId);
      expect(actions.filter((a) => a === 'provisioning.host_allocated')).toHaveLength(1);
      expect(actions.filter((a) => a === 'provisioning.succeeded')).toHaveLength(1);
      const ready = await eventually(async () => {
        const notices = (await mailTo(viaFirstApi, email)).filter((m) => m.subject.includes('is ready'));
        return notices.length > 0 ? notices : undefined;
      }, 10_000);
      expect(ready).toHaveLength(1);
    }
    expect(hostIds.size).toBe(WORKSPACES);
    // The dead worker's runs were taken over (resumed by another attempt), not started afresh.
    expect(runsTakenOver).toBeGreaterThan(0);

    const figures = {
      workspaces: WORKSPACES,
      apis: 2,
      workers: 2,
      provisioningConcurrencyPerWorker: CONCURRENCY,
      jobLockMs: Number(h.env.PROVISIONING_JOB_LOCK_MS),
      customersPerApi: [Math.ceil(WORKSPACES / 2), Math.floor(WORKSPACES / 2)],
      stripeDeliveriesPerApi: balancer.forwarded,
      killedAfterMs: killed.afterMs,
      secondApiKilledAfterMs: apiKilledAfterMs,
      atKill: { runsUnderWay: killed.running, waitingJobs: killed.waiting, activeWorkspaces: killed.activeWorkspaces },
      jobAttemptsTotal: attempts,
      runsTakenOver,
      allPaidAfterMs: paidMs,
      allActiveAfterMs: totalMs,
    };
    recordFigures('scale-out', figures);
    process.stdout.write(`scale-out figures: ${JSON.stringify(figures)}\n`);
  }, 420_000);
});
