import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { domainError } from '@enclave/platform';
import type { JobOutboxOperation } from '@enclave/persistence';
import type { JobsOptions, JobState, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { OutboxRelay } from './outbox-relay';
import { QUEUE_ERRORS } from './queue.errors';
import { JOB_PAYLOAD_SCHEMAS, type JobName, type JobPayloads, QUEUE_OF_JOB } from './queues';
import { connectionStatus } from './redis-connections';

/** What a job may be given besides its payload. `delay` counts from now (the row keeps the due time). */
export type OutboxJobOptions = Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'> & {
  /** Deterministic id: a duplicate is a no-op while BullMQ keeps the job. One is made up when absent. */
  jobId?: string;
  delay?: number;
};

/** An add that changes nothing when the last waiting row of the same job id is the same add. */
const INSERT = `
  INSERT INTO job_outbox (operation, queue, job_name, job_id, payload, options, run_at)
  SELECT $1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::jsonb, $7::timestamptz
  WHERE $1::text <> 'add' OR NOT EXISTS (
    SELECT 1 FROM job_outbox l
    WHERE l.id = (SELECT max(id) FROM job_outbox WHERE job_id = $4::text)
      AND l.operation = 'add' AND l.payload = $5::jsonb AND l.run_at IS NOT DISTINCT FROM $7::timestamptz)
  RETURNING id::text`;

/**
 * The one way to enqueue: every job is written to the `job_outbox` table in the caller's
 * transaction (`manager`), after its payload is validated against the job's schema, and the
 * outbox relay puts it in BullMQ once that transaction has committed and Redis answers. So the
 * job exists exactly when the change that needs it does, and no transaction waits on Redis.
 * With a manager outside a transaction the row is written (and relayed) at once.
 */
@Injectable()
export class QueueService {
  private readonly logger = new Logger(QueueService.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly relay: OutboxRelay,
  ) {}

  /** Adds the job under its id (BullMQ ignores an add under an id it still keeps). Returns the job id. */
  enqueue<J extends JobName>(
    manager: EntityManager,
    jobName: J,
    payload: JobPayloads[J],
    options: OutboxJobOptions = {},
  ): Promise<string> {
    return this.write(manager, 'add', jobName, payload, options);
  }

  /**
   * Enqueues under a fixed job id even when a finished (completed or failed) job still holds it:
   * the relay removes that job first. A job under the id that has not finished is left alone and
   * nothing is added (a duplicate is a no-op).
   */
  requeue<J extends JobName>(
    manager: EntityManager,
    jobName: J,
    payload: JobPayloads[J],
    options: OutboxJobOptions & { jobId: string },
  ): Promise<string> {
    return this.write(manager, 'requeue', jobName, payload, options);
  }

  /** Withdraws a waiting or delayed job (a running one finishes; handlers re-check the state). */
  async remove(manager: EntityManager, jobName: JobName, jobId: string): Promise<void> {
    await this.insert(manager, 'remove', jobName, jobId, {}, {}, null);
  }

  /**
   * For the few routes that must read Redis before they change anything (a staff retry refuses
   * while the job under the id runs): the job's state, or null without one. Refuses with 503
   * `redis_unavailable` at once when Redis is away (within REDIS_COMMAND_TIMEOUT_MS when it does
   * not answer).
   */
  async jobState(jobName: JobName, jobId: string): Promise<JobState | 'unknown' | null> {
    const queue = this.queueOf(jobName);
    try {
      await this.requireRedis(queue);
      const job = await queue.getJob(jobId);
      return job ? await job.getState() : null;
    } catch (error) {
      this.logger.warn({ jobId, error: (error as Error).message }, 'Redis did not answer');
      throw domainError(QUEUE_ERRORS.redisUnavailable);
    }
  }

  /** Throws 503 `redis_unavailable` unless the queue's Redis connection is up. */
  async requireRedis(queue: Queue): Promise<void> {
    const status = await connectionStatus(queue);
    if (status !== 'ready') throw domainError(QUEUE_ERRORS.redisUnavailable, { details: { redis: status } });
  }

  /** The BullMQ queue a job lives on, for reading (dashboards, tests) and schedulers; never for adding jobs. */
  queueOf(jobName: JobName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(QUEUE_OF_JOB[jobName]), { strict: false });
  }

  private async write<J extends JobName>(
    manager: EntityManager,
    operation: JobOutboxOperation,
    jobName: J,
    payload: JobPayloads[J],
    { jobId, delay, ...options }: OutboxJobOptions,
  ): Promise<string> {
    const data = JOB_PAYLOAD_SCHEMAS[jobName].parse(payload) as Record<string, unknown>;
    const id = jobId ?? `${jobName}.${randomUUID()}`;
    const runAt = delay && delay > 0 ? new Date(Date.now() + delay) : null;
    await this.insert(manager, operation, jobName, id, data, options, runAt);
    return id;
  }

  private async insert(
    manager: EntityManager,
    operation: JobOutboxOperation,
    jobName: JobName,
    jobId: string,
    payload: Record<string, unknown>,
    options: JobsOptions,
    runAt: Date | null,
  ): Promise<void> {
    const rows = (await manager.query(INSERT, [
      operation,
      QUEUE_OF_JOB[jobName],
      jobName,
      jobId,
      JSON.stringify(payload),
      JSON.stringify(options),
      runAt,
    ])) as Array<{ id: string }>;
    if (rows[0]) await this.relay.written(manager, rows[0].id);
  }
}
