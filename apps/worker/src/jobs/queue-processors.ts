import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type Type } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import {
  consumerConnection,
  JOB_HANDLERS,
  JOB_PAYLOAD_SCHEMAS,
  type JobHandler,
  JobName,
  QUEUE_OF_JOB,
  QueueName,
  redisErrorLogger,
} from '@enclave/queue';
import type { Job, WorkerOptions } from 'bullmq';

/** @nestjs/bullmq's (unexported) metadata key for the options its explorer passes to `new Worker`. */
const WORKER_METADATA = 'bullmq:worker_metadata';

/**
 * Per-queue worker options that depend on configuration. Every worker has a connection of its own
 * that waits for Redis to come back (the queues' connection fails fast instead), and retries its
 * loop 2 s after an error rather than BullMQ's 15 s, so it resumes soon after an outage.
 * Provisioning jobs run for minutes and must be taken over soon after a worker dies (lock
 * expiry), and may be taken over many times (each resume continues from the persisted steps), so
 * they are not failed after one stall.
 */
export function queueWorkerOptions(queue: QueueName, config: ControlPlaneConfig): Partial<WorkerOptions> {
  const common: Partial<WorkerOptions> = {
    connection: consumerConnection(config),
    runRetryDelay: 2_000,
    concurrency: queueConcurrency(config.QUEUE_CONCURRENCY, queue),
  };
  if (queue !== QueueName.Provisioning) return common;
  const lockDuration = config.PROVISIONING_JOB_LOCK_MS;
  return {
    ...common,
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    maxStalledCount: 1000,
  };
}

/** Jobs of `queue` one worker runs at once: its entry in QUEUE_CONCURRENCY (`provisioning=8,…`), else 4. */
export function queueConcurrency(setting: string, queue: QueueName): number {
  const entry = setting
    .split(',')
    .map((pair) => pair.split('='))
    .find(([name]) => name === queue);
  return entry ? Number(entry[1]) : 4;
}

/** Checks at start-up that every job name has exactly one handler: no job is ever silently skipped. */
export function handlerIndex(handlers: JobHandler[]): Map<JobName, JobHandler> {
  const index = new Map<JobName, JobHandler>();
  for (const handler of handlers) {
    if (index.has(handler.jobName)) throw new Error(`Two handlers for job "${handler.jobName}"`);
    index.set(handler.jobName, handler);
  }
  const missing = Object.values(JobName).filter((name) => !index.has(name));
  if (missing.length) throw new Error(`No handler for job(s): ${missing.join(', ')}`);
  return index;
}

/** One BullMQ processor per queue; each job is validated against its schema and routed to its handler. */
function processorFor(queue: QueueName): Type<WorkerHost> {
  @Processor(queue, { concurrency: 4 })
  class QueueProcessor extends WorkerHost {
    private readonly logger = new Logger(`queue:${queue}`);
    private readonly handlers: Map<JobName, JobHandler>;
    private readonly redisError = redisErrorLogger((fields, message) => this.logger.warn(fields, message));

    constructor(@Inject(JOB_HANDLERS) handlers: JobHandler[], @Inject(CONFIG) config: ControlPlaneConfig) {
      super();
      this.handlers = handlerIndex(handlers);
      // Instances exist before the BullMQ explorer creates the Worker (onModuleInit), so this is read there.
      const current = (Reflect.getMetadata(WORKER_METADATA, QueueProcessor) ?? {}) as Partial<WorkerOptions>;
      Reflect.defineMetadata(WORKER_METADATA, { ...current, ...queueWorkerOptions(queue, config) }, QueueProcessor);
    }

    /** While Redis is away the worker waits for it (its connection retries for ever); one warning a minute. */
    @OnWorkerEvent('error')
    onError(error: Error): void {
      this.redisError(error);
    }

    async process(job: Job): Promise<unknown> {
      const name = job.name as JobName;
      const handler = this.handlers.get(name);
      if (!handler || QUEUE_OF_JOB[name] !== queue)
        throw new Error(`Job "${job.name}" does not belong on queue "${queue}"`);
      const payload = JOB_PAYLOAD_SCHEMAS[name].parse(job.data);
      this.logger.log({ jobId: job.id, job: name, attempt: job.attemptsMade + 1 }, 'job started');
      return handler.handle(payload as never, job);
    }
  }
  Object.defineProperty(QueueProcessor, 'name', { value: `${queue}QueueProcessor` });
  return QueueProcessor;
}

export const QUEUE_PROCESSORS: Type<WorkerHost>[] = Object.values(QueueName).map(processorFor);
