import type { Job } from 'bullmq';
import type { JobName, JobPayloads } from './queues';

/** One class per job; the worker routes each job to exactly one handler (checked at start-up). */
export interface JobHandler<J extends JobName = JobName> {
  readonly jobName: J;
  handle(payload: JobPayloads[J], job: Job): Promise<unknown>;
}

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
