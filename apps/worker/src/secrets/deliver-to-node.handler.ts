import { Inject, Injectable } from '@nestjs/common';
import { type DeliveryResult, NODE_DELIVERY, type NodeDelivery } from '@enclave/node-delivery';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';

export class NodeNotReadyError extends Error {
  constructor(readonly reason: string) {
    super(`node delivery incomplete: ${reason}`);
    this.name = 'NodeNotReadyError';
  }
}

/**
 * Brings a workspace's node up to date (pending secrets, config, retention, suspension). The
 * payload is the workspace id only; secrets wait encrypted in PostgreSQL. An incomplete
 * delivery throws so BullMQ retries with backoff; enrolment and heartbeats enqueue it again.
 */
@Injectable()
export class DeliverToNodeHandler implements JobHandler<JobName.DeliverToNode> {
  readonly jobName = JobName.DeliverToNode;

  constructor(@Inject(NODE_DELIVERY) private readonly delivery: NodeDelivery) {}

  async handle(payload: JobPayloads[JobName.DeliverToNode]): Promise<DeliveryResult> {
    const result = await this.delivery.deliver(payload.workspaceId);
    if (!result.complete) throw new NodeNotReadyError(result.reason ?? 'unknown');
    return result;
  }
}
