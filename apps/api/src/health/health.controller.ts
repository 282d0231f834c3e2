import { Controller, Get } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { QueueName } from '@enclave/queue';
import type { Queue } from 'bullmq';
import { Public } from '../common/request-context';

/** How long PostgreSQL and Redis each have to answer before the check reports them down. */
const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(QueueName.System) private readonly systemQueue: Queue,
  ) {}

  /**
   * PostgreSQL and Redis each answer within 2 s; otherwise 503 naming the check that did not.
   * It does not involve the worker.
   */
  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: CHECK_TIMEOUT_MS }),
      async () => {
        const indicator = this.indicators.check('redis');
        try {
          // A real round trip through the queue's own connection. That connection holds commands
          // until Redis is back (maxRetriesPerRequest: null, as BullMQ needs), so without the
          // timeout a Redis outage would hang the check instead of failing it.
          await withTimeout(this.systemQueue.getJobCounts('waiting'), CHECK_TIMEOUT_MS);
          return indicator.up();
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
    ]);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
