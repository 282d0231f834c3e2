import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { OutboxRelay, QueueName } from '@enclave/queue';
import type { Response } from 'express';
import { HealthController } from './health.controller';

/** PostgreSQL answers; the queue's Redis connection is `status` and its commands get `answer`. */
function healthModule(status: string, answer: () => Promise<unknown>) {
  @Module({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [
      {
        provide: TypeOrmHealthIndicator,
        useValue: { pingCheck: async (key: string) => ({ [key]: { status: 'up' } }) },
      },
      { provide: OutboxRelay, useValue: { backlog: async () => ({ depth: 2, oldestAgeSeconds: 40, failing: 0 }) } },
      {
        provide: getQueueToken(QueueName.System),
        useValue: { getBackend: () => ({ client: Promise.resolve({ status }) }), getJobCounts: answer },
      },
    ],
  })
  class HealthTestModule {}
  return HealthTestModule;
}

/** The check's answer: its status code, body and how long it took. */
async function check(status: string, answer: () => Promise<unknown>) {
  const app = await NestFactory.createApplicationContext(healthModule(status, answer), { logger: false });
  try {
    const response = { statusCode: 200, status: (code: number) => (response.statusCode = code) };
    const started = Date.now();
    const body = await app.get(HealthController).check(response as unknown as Response);
    return { ms: Date.now() - started, statusCode: response.statusCode, body };
  } finally {
    await app.close();
  }
}

describe('health check', () => {
  it('answers 503 naming redis when Redis accepts the connection but never answers, instead of hanging', async () => {
    const { ms, statusCode, body } = await check('ready', () => new Promise(() => undefined));
    expect(ms).toBeLessThan(3_000);
    expect(statusCode).toBe(503);
    expect(body).toMatchObject({
      status: 'error',
      info: { postgres: { status: 'up' }, outbox: { status: 'up', depth: 2, oldestAgeSeconds: 40 } },
      error: { redis: { status: 'down', message: 'no answer within 2000 ms' } },
    });
  });

  it('answers 200 with the outbox backlog when everything answers', async () => {
    const { statusCode, body } = await check('ready', async () => ({ waiting: 0 }));
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ status: 'ok', details: { redis: { status: 'up' }, outbox: { depth: 2 } } });
  });

  it('answers 503 at once while the Redis connection is reconnecting, without sending a command', async () => {
    const answer = jest.fn(async () => ({ waiting: 0 }));
    const { ms, statusCode, body } = await check('reconnecting', answer);
    expect(ms).toBeLessThan(500);
    expect(answer).not.toHaveBeenCalled();
    expect(statusCode).toBe(503);
    expect(body).toMatchObject({
      error: { redis: { status: 'down', message: 'connection reconnecting' } },
    });
  });
});
