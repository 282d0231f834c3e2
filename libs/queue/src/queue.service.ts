import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, JobsOptions, JobState, Queue } from 'bullmq';
import { JOB_PAYLOAD_SCHEMAS, type JobName, type JobPayloads, QUEUE_OF_JOB } from './queues';

/** What `requeue` found under the job id: nothing in the way (the job is queued), or a job not finished yet. */
export type RequeueResult =
  { queued: true } | { queued: false; state: Exclude<JobState, 'completed' | 'failed'> | 'unknown' };

/** Typed enqueue: the payload is validated against the job's schema before it reaches Redis. */
@Injectable()
export class QueueService {
  constructor(private readonly moduleRef: ModuleRef) {}

  async enqueue<J extends JobName>(jobName: J, payload: JobPayloads[J], options: JobsOptions = {}): Promise<Job> {
    const data = JOB_PAYLOAD_SCHEMAS[jobName].parse(payload);
    return this.queueOf(jobName).add(jobName, data, options);
  }

  /**
   * Enqueues under a fixed job id even when a finished (completed or failed) job still holds it:
   * BullMQ silently ignores an add under an id it keeps, so that job is removed first. A job
   * under the id that has not finished is left alone and nothing is added (a duplicate is a no-op).
   */
  async requeue<J extends JobName>(
    jobName: J,
    payload: JobPayloads[J],
    options: JobsOptions & { jobId: string },
  ): Promise<RequeueResult> {
    const existing = await this.queueOf(jobName).getJob(options.jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed') return { queued: false, state };
      await existing.remove();
    }
    await this.enqueue(jobName, payload, options);
    return { queued: true };
  }

  queueOf(jobName: JobName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(QUEUE_OF_JOB[jobName]), { strict: false });
  }
}
