import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { FleetReconciler, type ReconcileReport } from '@enclave/provisioning';
import { type JobHandler, JobName, QueueService } from '@enclave/queue';

/** Repeatable reconciliation of the fleet (DNS records, heartbeats, versions). */
@Injectable()
export class ReconcileFleetHandler implements JobHandler<JobName.ReconcileFleet>, OnApplicationBootstrap {
  readonly jobName = JobName.ReconcileFleet;
  private readonly logger = new Logger('ReconcileFleet');

  constructor(
    private readonly reconciler: FleetReconciler,
    private readonly queues: QueueService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  handle(): Promise<ReconcileReport> {
    return this.reconciler.reconcile();
  }

  /** One scheduler in Redis whatever the number of workers (upsert is idempotent). */
  async onApplicationBootstrap(): Promise<void> {
    const every = this.config.PROVISIONING_RECONCILE_INTERVAL_MS;
    const queue = this.queues.queueOf(JobName.ReconcileFleet);
    if (every > 0)
      await queue.upsertJobScheduler('reconcile-fleet', { every }, { name: JobName.ReconcileFleet, data: {} });
    else await queue.removeJobScheduler('reconcile-fleet').catch(() => undefined);
    this.logger.log({ every }, 'fleet reconciliation scheduled');
  }
}
