import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { connectionStatus, OutboxRelay, QueueName } from '@enclave/queue';
import type { Queue } from 'bullmq';
import type { Response } from 'express';
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
    private readonly outbox: OutboxRelay,
    @InjectQueue(QueueName.System) private readonly systemQueue: Queue,
  ) {}

  /**
   * PostgreSQL and Redis each answer within 2 s; otherwise 503 naming the check that did not.
   * `outbox` reports the jobs waiting in PostgreSQL for Redis (depth, age of the oldest, rows
   * whose last attempt failed): information for monitoring, never a reason for 503 by itself.
   * It does not involve the worker. A 503 carries the same body as a 200 (terminus's `status`,
   * `info`, `error`, `details`), so monitoring reads which dependency is down.
   */
  @Public()
  @Get()
  @HealthCheck()
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.checkAll();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private checkAll(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: CHECK_TIMEOUT_MS }),
      async () => {
        const indicator = this.indicators.check('redis');
        try {
          // Known down without asking: the connection is reconnecting (commands would fail at once).
          const status = await connectionStatus(this.systemQueue);
          if (status !== 'ready') return indicator.down({ message: `connection ${status}` });
          // A real round trip; a Redis that accepts connections but does not answer fails the timeout.
          await withTimeout(this.systemQueue.getJobCounts('waiting'), CHECK_TIMEOUT_MS);
          return indicator.up();
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
      async () => {
        const indicator = this.indicators.check('outbox');
        try {
          return indicator.up(await withTimeout(this.outbox.backlog(), CHECK_TIMEOUT_MS));
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
