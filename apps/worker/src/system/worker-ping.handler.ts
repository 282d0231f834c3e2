import { Injectable } from '@nestjs/common';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';

/**
 * Answers a ping with the worker's pid and the time it answered. Nothing in the product enqueues
 * one, and the API's health check does not involve the worker: staff can add a `worker-ping` job
 * (data `{"requestedAt": "<ISO time>"}`) to the `system` queue from the queue dashboard
 * (/api/staff/queues) and read its result there to see that a worker consumes jobs; the worker
 * e2e spec uses it the same way.
 */
@Injectable()
export class WorkerPingHandler implements JobHandler<JobName.WorkerPing> {
  readonly jobName = JobName.WorkerPing;

  async handle(
    payload: JobPayloads[JobName.WorkerPing],
  ): Promise<{ requestedAt: string; answeredAt: string; pid: number }> {
    return { requestedAt: payload.requestedAt, answeredAt: new Date().toISOString(), pid: process.pid };
  }
}
