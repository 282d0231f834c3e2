import type { INestApplicationContext } from '@nestjs/common';
import { JobName, QueueService } from '@enclave/queue';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@enclave/testing';
import { QueueEvents } from 'bullmq';
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
    const job = await queues.enqueue(JobName.WorkerPing, { requestedAt: new Date().toISOString() });
    const result = await job.waitUntilFinished(events, 10_000);
    expect(result).toMatchObject({ pid: process.pid });
    await events.close();
  });

  it('refuses a payload that does not match the job schema before it reaches Redis', async () => {
    const queues = worker.get(QueueService);
    await expect(queues.enqueue(JobName.WorkerPing, { requestedAt: 'yesterday' })).rejects.toThrow();
  });

  it('will not start with a job that has no handler or two handlers', () => {
    expect(() => handlerIndex([])).toThrow(/No handler for job/);
    expect(() => handlerIndex([new WorkerPingHandler(), new WorkerPingHandler()])).toThrow(/Two handlers/);
  });
});
