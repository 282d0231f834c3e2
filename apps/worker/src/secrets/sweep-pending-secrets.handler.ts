import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { NODE_DELIVERY, type NodeDelivery } from '@enclave/node-delivery';
import { type JobHandler, JobName, QueueService } from '@enclave/queue';

export const SWEEP_PENDING_SECRETS_EVERY_MS = 60_000;

/** Every minute: destroys secrets that waited longer than their TTL (≤ 1 hour) for their node. */
@Injectable()
export class SweepPendingSecretsHandler implements JobHandler<JobName.SweepPendingSecrets>, OnApplicationBootstrap {
  readonly jobName = JobName.SweepPendingSecrets;
  private readonly logger = new Logger(SweepPendingSecretsHandler.name);

  constructor(
    @Inject(NODE_DELIVERY) private readonly delivery: NodeDelivery,
    private readonly queue: QueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue
      .queueOf(JobName.SweepPendingSecrets)
      .upsertJobScheduler(
        'sweep-pending-secrets',
        { every: SWEEP_PENDING_SECRETS_EVERY_MS },
        { name: JobName.SweepPendingSecrets, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
  }

  async handle(): Promise<{ destroyed: number }> {
    const destroyed = await this.delivery.sweepExpired();
    if (destroyed) this.logger.log({ destroyed }, 'expired pending secrets destroyed');
    return { destroyed };
  }
}
