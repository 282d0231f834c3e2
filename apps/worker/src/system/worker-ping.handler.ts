import { Injectable } from '@nestjs/common';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';

/** Answers a ping so operators (and the health check) can see jobs are being consumed. */
@Injectable()
export class WorkerPingHandler implements JobHandler<JobName.WorkerPing> {
  readonly jobName = JobName.WorkerPing;

  async handle(
    payload: JobPayloads[JobName.WorkerPing],
  ): Promise<{ requestedAt: string; answeredAt: string; pid: number }> {
    return { requestedAt: payload.requestedAt, answeredAt: new Date().toISOString(), pid: process.pid };
  }
}
