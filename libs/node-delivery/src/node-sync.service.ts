import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import type { DataSource, EntityManager } from 'typeorm';
import type { DeliveryResult, NodeDelivery } from './node-delivery';

export const NODE_DELIVERY = Symbol('NODE_DELIVERY');

/** What a change's response tells the customer about its way to the node. */
export type DeliveryState = 'delivered' | 'pending';

/** Options of the DeliverToNode job: retried with backoff for about 40 minutes (secrets wait ≤ 1 hour). */
export const DELIVER_TO_NODE_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

/**
 * After a change is committed: deliver to the node at once when it is ready, otherwise leave
 * it to the DeliverToNode job (enrolment and heartbeats enqueue it too, in their transactions).
 * The job goes through the outbox, so a Redis outage delays it and never fails the change. The
 * job payload is the workspace id only.
 */
@Injectable()
export class NodeSyncService {
  private readonly logger = new Logger(NodeSyncService.name);

  constructor(
    @Inject(NODE_DELIVERY) private readonly delivery: NodeDelivery,
    private readonly queue: QueueService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async afterChange(workspaceId: string): Promise<DeliveryState> {
    let result: DeliveryResult;
    try {
      result = await this.delivery.deliver(workspaceId);
    } catch (error) {
      // Name and code only: a driver error could carry query parameters.
      this.logger.error(
        { workspaceId, error: (error as Error).name, code: (error as { code?: unknown }).code },
        'immediate node delivery failed',
      );
      result = { complete: false, reason: 'error', secretsDelivered: 0, configRevision: null };
    }
    if (result.complete) return 'delivered';
    await this.enqueue(this.dataSource.manager, workspaceId);
    return 'pending';
  }

  /** In the caller's transaction (`manager`), or on its own with `dataSource.manager`. */
  async enqueue(manager: EntityManager, workspaceId: string): Promise<void> {
    await this.queue.enqueue(
      manager,
      JobName.DeliverToNode,
      { workspaceId },
      { jobId: JOB_IDS.deliverToNode(workspaceId), ...DELIVER_TO_NODE_JOB_OPTIONS },
    );
  }
}
