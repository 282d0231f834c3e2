import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { OutboxRelay } from './outbox-relay';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';
import { QueueService } from './queue.service';
import { producerConnection } from './redis-connections';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

/**
 * Redis connection and every queue, shared by the API (producer) and the worker (consumer; its
 * workers use `consumerConnection` instead), plus the outbox relay, which runs in both.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => ({
        connection: producerConnection(config),
        prefix: config.REDIS_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    ...queues,
  ],
  providers: [QueueService, OutboxRelay],
  exports: [QueueService, OutboxRelay, ...queues],
})
export class QueueModule {}
