import { getQueueToken } from '@nestjs/bullmq';
import { Module, ServiceUnavailableException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { QueueName } from '@enclave/queue';
import { HealthController } from './health.controller';

/** PostgreSQL answers; Redis never does (what the queue's connection does while Redis is down). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [
    { provide: TypeOrmHealthIndicator, useValue: { pingCheck: async (key: string) => ({ [key]: { status: 'up' } }) } },
    { provide: getQueueToken(QueueName.System), useValue: { getJobCounts: () => new Promise(() => undefined) } },
  ],
})
class SilentRedisModule {}

describe('health check', () => {
  it('answers 503 naming redis when Redis does not answer, instead of hanging', async () => {
    const app = await NestFactory.createApplicationContext(SilentRedisModule, { logger: false });
    try {
      const started = Date.now();
      const failure = await app
        .get(HealthController)
        .check()
        .catch((error: unknown) => error);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(failure).toBeInstanceOf(ServiceUnavailableException);
      expect((failure as ServiceUnavailableException).getResponse()).toMatchObject({
        status: 'error',
        info: { postgres: { status: 'up' } },
        error: { redis: { status: 'down', message: 'no answer within 2000 ms' } },
      });
    } finally {
      await app.close();
    }
  });
});
