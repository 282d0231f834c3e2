import type { JobsOptions } from 'bullmq';

/**
 * Every queue and job of the control plane, with its payload type, in one place.
 * WARNING: queue and job names are stored in Redis with every waiting job. Renaming one
 * strands the jobs already queued under the old name: add the new name, drain, then remove.
 */
export enum QueueName {
  System = 'system',
}

export enum JobName {
  /** Proves the worker is consuming jobs; enqueued by the API health check. */
  WorkerPing = 'worker-ping',
}

export interface JobPayloads {
  [JobName.WorkerPing]: { requestedAt: string };
}

export const QUEUE_OF_JOB: { [J in JobName]: QueueName } = {
  [JobName.WorkerPing]: QueueName.System,
};

/** Retried with exponential backoff; failed jobs are kept for staff to inspect. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: false,
};
