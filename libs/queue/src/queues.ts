import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every queue and job of the control plane, with its payload schema, in one place.
 * WARNING: queue and job names are stored in Redis with every waiting job. Renaming one
 * strands the jobs already queued under the old name: add the new name, drain, then remove.
 * Payloads carry ids only — never a secret or message content (they sit in Redis).
 */
export enum QueueName {
  System = 'system',
}

export enum JobName {
  /** Proves a worker is consuming jobs. */
  WorkerPing = 'worker-ping',
}

export const JOB_PAYLOAD_SCHEMAS = {
  [JobName.WorkerPing]: z.strictObject({ requestedAt: z.iso.datetime() }),
} satisfies { [J in JobName]: z.ZodType };

export type JobPayloads = { [J in JobName]: z.infer<(typeof JOB_PAYLOAD_SCHEMAS)[J]> };

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
