import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PersistenceModule } from '@enclave/persistence';
import { ConfigModule } from '@enclave/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@enclave/testing';
import { type Job, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { QueueModule } from './queue.module';
import { JobName } from './queues';
import { QueueService } from './queue.service';

const ping = (at: string) => ({ requestedAt: at });
const FIRST = '2026-01-01T00:00:00.000Z';
const SECOND = '2026-01-02T00:00:00.000Z';

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The outbox against the real PostgreSQL and Redis: what reaches BullMQ, when, and in which order. */
describe('job outbox', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let app: INestApplicationContext;
  let queues: QueueService;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      SMTP_URL: 'smtp://127.0.0.1:1',
    };
    @Module({ imports: [ConfigModule.forRoot(env), PersistenceModule, QueueModule] })
    class OutboxTestModule {}
    app = await NestFactory.createApplicationContext(OutboxTestModule, { logger: false });
    await app.init();
    queues = app.get(QueueService);
    dataSource = app.get(DataSource);
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
    await redis.drop();
  });

  const rows = () =>
    dataSource.query(`SELECT operation, job_id, attempts, last_error FROM job_outbox ORDER BY id`) as Promise<
      Array<{ operation: string; job_id: string; attempts: number; last_error: string | null }>
    >;
  const job = (jobId: string) => queues.queueOf(JobName.WorkerPing).getJob(jobId);

  it('puts a committed job in Redis before the transaction returns, and never a rolled-back one', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await queues.enqueue(manager, JobName.WorkerPing, ping(FIRST), { jobId: 'rolled-back' });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    const jobId = await dataSource.transaction((manager) =>
      queues.enqueue(manager, JobName.WorkerPing, ping(FIRST), { jobId: 'committed' }),
    );
    expect((await job(jobId))?.data).toEqual(ping(FIRST));
    expect(await job('rolled-back')).toBeUndefined();
    expect(await rows()).toEqual([]);
  });

  it('writes one row for the same add repeated in a transaction, and makes up an id for a job without one', async () => {
    let made = '';
    await dataSource.transaction(async (manager) => {
      await queues.enqueue(manager, JobName.WorkerPing, ping(FIRST), { jobId: 'twice' });
      await queues.enqueue(manager, JobName.WorkerPing, ping(FIRST), { jobId: 'twice' });
      made = await queues.enqueue(manager, JobName.WorkerPing, ping(FIRST));
      expect(await manager.query(`SELECT count(*)::int AS n FROM job_outbox`)).toEqual([{ n: 2 }]);
    });
    expect(made).toMatch(/^worker-ping\.[0-9a-f-]{36}$/);
    expect(await job(made)).toBeDefined();
    expect(await job('twice')).toBeDefined();
  });

  it('requeue replaces a finished job under the id and leaves an unfinished one alone', async () => {
    const worker = new Worker(queues.queueOf(JobName.WorkerPing).name, async (j: Job) => j.data, {
      connection: { url: redis.url, maxRetriesPerRequest: null },
      prefix: redis.prefix,
    });
    try {
      const manager = dataSource.manager;
      await queues.requeue(manager, JobName.WorkerPing, ping(FIRST), { jobId: 'again' });
      await until(async () => (await job('again'))?.finishedOn);
      await queues.requeue(manager, JobName.WorkerPing, ping(SECOND), { jobId: 'again' });
      const replaced = await until(async () => {
        const current = await job('again');
        return current?.finishedOn && current.data.requestedAt === SECOND ? current : undefined;
      });
      expect(replaced.returnvalue).toEqual(ping(SECOND));
    } finally {
      await worker.close();
    }
    // No worker now: the job waits, unfinished; a requeue under its id adds nothing.
    await queues.enqueue(dataSource.manager, JobName.WorkerPing, ping(FIRST), { jobId: 'waiting' });
    await queues.requeue(dataSource.manager, JobName.WorkerPing, ping(SECOND), { jobId: 'waiting' });
    expect((await job('waiting'))?.data).toEqual(ping(FIRST));
    expect(await rows()).toEqual([]);
  });

  it('relays the rows of one job id in the order written: remove then add', async () => {
    await queues.enqueue(dataSource.manager, JobName.WorkerPing, ping(FIRST), { jobId: 'timer', delay: 60_000 });
    await dataSource.transaction(async (manager) => {
      await queues.remove(manager, JobName.WorkerPing, 'timer');
      await queues.enqueue(manager, JobName.WorkerPing, ping(SECOND), { jobId: 'timer', delay: 60_000 });
    });
    const timer = await job('timer');
    expect(timer?.data).toEqual(ping(SECOND));
    expect(await timer?.getState()).toBe('delayed');
  });

  it('counts a delayed job from when it was written, not from when it is relayed', async () => {
    const writtenAt = Date.now();
    await dataSource.transaction(async (manager) => {
      await queues.enqueue(manager, JobName.WorkerPing, ping(FIRST), { jobId: 'late', delay: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // the transaction goes on
    });
    const late = await job('late');
    expect(Math.abs((late?.timestamp ?? 0) + (late?.delay ?? 0) - (writtenAt + 60_000))).toBeLessThan(500);
  });

  it('keeps a row it cannot relay, with its error and a backoff, and relays the others', async () => {
    await dataSource.query(
      `INSERT INTO job_outbox (operation, queue, job_name, job_id, payload) VALUES ('add', 'system', 'retired-job', 'old.1', '{}')`,
    );
    await queues.enqueue(dataSource.manager, JobName.WorkerPing, ping(FIRST), { jobId: 'after-poison' });
    await until(async () => (await rows())[0]?.last_error);
    const [poison] = await rows();
    expect(poison).toMatchObject({ job_id: 'old.1', attempts: 1 });
    expect(poison.last_error).toContain('retired-job');
    expect(await job('after-poison')).toBeDefined();
    const [{ waits }] = (await dataSource.query(
      `SELECT available_at > now() AS waits FROM job_outbox WHERE job_id = 'old.1'`,
    )) as Array<{ waits: boolean }>;
    expect(waits).toBe(true);
  });
});
