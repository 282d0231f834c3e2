import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';
import { QueueService } from './queue.service';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

/** Redis connection and every queue, shared by the API (producer) and the worker (consumer). */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => ({
        connection: { url: config.REDIS_URL, maxRetriesPerRequest: null },
        prefix: config.REDIS_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    ...queues,
  ],
  providers: [QueueService],
  exports: [QueueService, ...queues],
})
export class QueueModule {}
