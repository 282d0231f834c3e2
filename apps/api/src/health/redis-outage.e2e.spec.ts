import type { INestApplicationContext } from '@nestjs/common';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { createStandIns, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import { type PrivateRedis, startPrivateRedis } from '@enclave/testing';
import { createWorker } from '../../../worker/src/bootstrap';
import { SECRET_ENCRYPTION_KEY, SECRET_PEPPER } from '../../test/agent-node-harness';
import { alnum } from '../../test/agents-workspace';
import {
  type BillingHarness,
  eventAbout,
  ownerWithWorkspace,
  paySession,
  startBillingHarness,
  startCheckout,
  workspaceStatus,
} from '../../test/billing';
import { eventually } from '../../test/eventually';
import { signInByEmail } from '../../test/sign-in';

interface OutboxRow {
  operation: string;
  job_name: string;
  job_id: string;
  attempts: number;
}

/** Runs `work` and returns its result with how long it took. */
async function timed<T>(work: () => PromiseLike<T>): Promise<{ ms: number; result: T }> {
  const started = Date.now();
  const result = await work();
  return { ms: Date.now() - started, result };
}

/**
 * Redis goes away under a running API and worker (a Redis of this test's own, on a free port) and
 * comes back empty. Nothing hangs, nothing that must happen is lost, and both catch up by
 * themselves: no process is restarted.
 */
describe('Redis outage', () => {
  let redis: PrivateRedis;
  let providers: RunningSandbox;
  let harness: BillingHarness;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    providers = await startSandbox(
      createStandIns({ smtpPort: 0 }).filter((standIn) => standIn.prefix === '/openai'),
      0,
    );
    harness = await startBillingHarness({
      REDIS_URL: redis.url,
      OPENAI_API_URL: `${providers.url}/openai/v1`,
      SECRET_PEPPER,
      SECRET_ENCRYPTION_KEY,
    });
    await harness.setDelivery(false); // the test delivers the checkout event itself, while Redis is down
    worker = await createWorker({ ...harness.api.env, LOG_LEVEL: 'silent' });
    await worker.init();
  }, 120_000);

  afterAll(async () => {
    await redis?.start(); // closing BullMQ cleanly needs its Redis
    await worker?.close();
    await harness?.close();
    await providers?.close();
    await redis?.stop();
  });

  const outbox = () =>
    harness.api.dataSource.query(`SELECT operation, job_name, job_id, attempts FROM job_outbox ORDER BY id`) as Promise<
      OutboxRow[]
    >;

  it('answers within its bounds, keeps every job in PostgreSQL while Redis is down, and relays them when it returns', async () => {
    const customer = await ownerWithWorkspace(harness, 'outage');
    const staffCookie = await signInByEmail(harness.api, 'staff@enclave.test');
    const { sessionId } = await startCheckout(harness, customer);
    await paySession(harness, sessionId);
    const completed = await eventAbout(harness, 'checkout.session.completed', (session) => session.id === sessionId);
    const provisionJobId = JOB_IDS.provisionWorkspace(customer.workspaceId);
    const deliverJobId = JOB_IDS.deliverToNode(customer.workspaceId);

    await redis.stop();

    // Health: 503 within 2 s, naming redis; PostgreSQL is up.
    const health = await timed(() => harness.api.http().get('/api/health'));
    expect(health.ms).toBeLessThan(2_000);
    expect(health.result.status).toBe(503);
    expect(health.result.body).toMatchObject({
      status: 'error',
      info: { postgres: { status: 'up' } },
      error: { redis: { status: 'down' } },
    });

    // The signed webhook: acknowledged within 5 s, the workspace paid, its provisioning job in the outbox.
    const webhook = await timed(() => harness.deliver(JSON.stringify(completed)));
    expect(webhook.ms).toBeLessThan(5_000);
    expect(webhook.result).toMatchObject({ status: 200, body: { outcome: 'processed' } });
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('provisioning');

    // A model key: stored and answered within 5 s; its delivery job waits in the outbox.
    const secret = await timed(() =>
      harness.api
        .http()
        .put(`/api/workspaces/${customer.workspaceId}/secrets/openai_api_key`)
        .set('Cookie', customer.cookie)
        .send({ value: `sk-outage${alnum(32)}` }),
    );
    expect(secret.ms).toBeLessThan(5_000);
    expect(secret.result.status).toBe(200);
    expect(secret.result.body).toMatchObject({ delivery: 'pending', secret: { status: 'pending' } });

    // Nothing was relayed (several polls went by): no attempt was even made without Redis.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await outbox()).toEqual([
      { operation: 'requeue', job_name: JobName.ProvisionWorkspace, job_id: provisionJobId, attempts: 0 },
      { operation: 'add', job_name: JobName.DeliverToNode, job_id: deliverJobId, attempts: 0 },
    ]);
    const backlog = await harness.api.http().get('/api/health');
    expect(backlog.body.details.outbox).toMatchObject({ status: 'up', depth: 2, failing: 0 });
    expect(backlog.body.details.outbox.oldestAgeSeconds).toBeGreaterThanOrEqual(2);

    // Routes that cannot work without Redis: 503 within 5 s, and nothing changed.
    const dashboard = await timed(() => harness.api.http().get('/api/staff/queues').set('Cookie', staffCookie));
    expect(dashboard.ms).toBeLessThan(5_000);
    expect(dashboard.result.status).toBe(503);
    expect(dashboard.result.body.error.code).toBe('redis_unavailable');
    await harness.api.dataSource.query(`UPDATE workspaces SET status = 'provisioning_failed' WHERE id = $1`, [
      customer.workspaceId,
    ]);
    const retry = await timed(() =>
      harness.api
        .http()
        .post(`/api/staff/workspaces/${customer.workspaceId}/provisioning/retry`)
        .set('Cookie', staffCookie),
    );
    expect(retry.ms).toBeLessThan(5_000);
    expect(retry.result.status).toBe(503);
    expect(retry.result.body.error.code).toBe('redis_unavailable');
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('provisioning_failed');
    expect(await outbox()).toHaveLength(2);
    await harness.api.dataSource.query(`UPDATE workspaces SET status = 'provisioning' WHERE id = $1`, [
      customer.workspaceId,
    ]);

    // Redis returns (empty): the relay puts both jobs in BullMQ and the running worker takes them.
    await redis.start();
    const queues = harness.api.app.get(QueueService);
    const provision = await eventually(() => queues.queueOf(JobName.ProvisionWorkspace).getJob(provisionJobId), 20_000);
    expect(provision.data).toEqual({ workspaceId: customer.workspaceId });
    await eventually(
      async () => (await queues.queueOf(JobName.ProvisionWorkspace).getJob(provisionJobId))?.processedOn,
      20_000,
    );
    await eventually(async () => (await outbox()).length === 0, 20_000);
    await eventually(async () => (await harness.api.http().get('/api/health')).status === 200, 10_000);
    await harness.api.http().get('/api/staff/queues').set('Cookie', staffCookie).expect(200);
  }, 120_000);
});
