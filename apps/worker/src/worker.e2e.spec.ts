import type { INestApplicationContext } from '@nestjs/common';
import { JobName, QueueService } from '@enclave/queue';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@enclave/testing';
import { QueueEvents } from 'bullmq';
import { DataSource } from 'typeorm';
import { createWorker } from './bootstrap';
import { handlerIndex } from './jobs/queue-processors';
import { WorkerPingHandler } from './system/worker-ping.handler';

describe('worker', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    worker = await createWorker({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      SMTP_URL: 'smtp://127.0.0.1:1',
    });
    await worker.init();
  });
  afterAll(async () => {
    await worker.close();
    await database.drop();
    await redis.drop();
  });

  it('consumes a job from Redis and returns the handler result', async () => {
    const queues = worker.get(QueueService);
    const queue = queues.queueOf(JobName.WorkerPing);
    const events = new QueueEvents(queue.name, { connection: { url: redis.url }, prefix: redis.prefix });
    await events.waitUntilReady();
    // Outside a transaction the outbox row is written and relayed before enqueue returns.
    const manager = worker.get(DataSource).manager;
    const jobId = await queues.enqueue(manager, JobName.WorkerPing, { requestedAt: new Date().toISOString() });
    const job = await queue.getJob(jobId);
    if (!job) throw new Error('the job did not reach Redis');
    const result = await job.waitUntilFinished(events, 10_000);
    expect(await manager.query('SELECT id FROM job_outbox')).toEqual([]);
    expect(result).toMatchObject({ pid: process.pid });
    await events.close();
  });

  it('refuses a payload that does not match the job schema before it reaches the outbox', async () => {
    const queues = worker.get(QueueService);
    const manager = worker.get(DataSource).manager;
    await expect(queues.enqueue(manager, JobName.WorkerPing, { requestedAt: 'yesterday' })).rejects.toThrow();
    expect(await manager.query('SELECT id FROM job_outbox')).toEqual([]);
  });

  it('will not start with a job that has no handler or two handlers', () => {
    expect(() => handlerIndex([])).toThrow(/No handler for job/);
    expect(() => handlerIndex([new WorkerPingHandler(), new WorkerPingHandler()])).toThrow(/Two handlers/);
  });
});
