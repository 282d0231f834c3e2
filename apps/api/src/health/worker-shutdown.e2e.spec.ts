import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobName, QUEUE_OF_JOB } from '@enclave/queue';
import { createTestDatabase, type PrivateRedis, startPrivateRedis, type TestDatabase } from '@enclave/testing';
import { Queue, QueueEvents } from 'bullmq';
import { type WorkerProcess, workerPool } from '../../test/worker-process';

const PREFIX = 'shutdown-test';

/**
 * A worker process told to stop (SIGTERM, as systemd, Kubernetes or Ctrl-C do) exits: at once
 * when Redis is there, and within its grace period when Redis is away — BullMQ's own close()
 * would wait for ever then (taskforcesh/bullmq#4656).
 */
describe('worker shutdown', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let logDir: string;
  let pool: ReturnType<typeof workerPool>;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startPrivateRedis();
    logDir = mkdtempSync(join(tmpdir(), 'enclave-worker-shutdown-'));
    pool = workerPool(
      {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_PREFIX: PREFIX,
        SMTP_URL: 'smtp://127.0.0.1:1',
        WORKER_SHUTDOWN_GRACE_MS: '2000',
      },
      logDir,
    );
  }, 60_000);

  afterAll(async () => {
    await pool?.killAll();
    await redis?.stop();
    await database?.drop();
    rmSync(logDir, { recursive: true, force: true });
  });

  /** Resolves once the worker process has run a ping job (its result names the process). */
  async function ready(worker: WorkerProcess): Promise<void> {
    const connection = { url: redis.url };
    const queue = new Queue(QUEUE_OF_JOB[JobName.WorkerPing], { connection, prefix: PREFIX });
    const events = new QueueEvents(queue.name, { connection, prefix: PREFIX });
    try {
      await events.waitUntilReady();
      const job = await queue.add(JobName.WorkerPing, { requestedAt: new Date().toISOString() });
      expect(await job.waitUntilFinished(events, 60_000)).toMatchObject({ pid: worker.child.pid });
    } finally {
      await events.close();
      await queue.close();
    }
  }

  const logs = () =>
    readdirSync(logDir)
      .map((file) => readFileSync(join(logDir, file), 'utf8'))
      .join('\n');

  it('closes cleanly on SIGTERM while Redis is up', async () => {
    const worker = pool.start('up');
    await ready(worker);
    await worker.kill('SIGTERM');
    // Nest closed every queue worker, then re-raised the signal: a clean stop, no grace-period exit.
    expect(worker.child.signalCode).toBe('SIGTERM');
    expect(logs()).not.toContain('did not close within its grace period');
  }, 90_000);

  it('exits after its grace period on SIGTERM while Redis is away', async () => {
    const worker = pool.start('outage');
    await ready(worker);
    await redis.stop();
    await worker.kill('SIGTERM');
    expect(worker.child.exitCode).toBe(1);
    expect(logs()).toContain('did not close within its grace period');
    await redis.start();
  }, 90_000);
});
