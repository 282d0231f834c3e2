import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobOutboxOperation } from '@enclave/persistence';
import type { JobsOptions, Queue } from 'bullmq';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { OutboxCommitSubscriber } from './outbox-commit.subscriber';
import { JOB_PAYLOAD_SCHEMAS, type JobName, QUEUE_OF_JOB, QueueName } from './queues';
import { connectionStatus, redisErrorLogger } from './redis-connections';

/** How often each API and worker process looks for rows nobody relayed yet (Redis was away, or another process wrote them). */
export const OUTBOX_POLL_MS = 1_000;
/** Rows one relay takes at a time. */
const BATCH = 20;
/** How long a taken row stays another relay's: longer than a batch's Redis commands can take (each fails within 3 s). */
const LEASE_SECONDS = 60;
/** Backoff after a failed attempt: 2, 4, 8 … seconds, at most 5 minutes. */
const MAX_BACKOFF_SECONDS = 300;

interface OutboxRow {
  id: string;
  operation: JobOutboxOperation;
  job_name: string;
  job_id: string;
  payload: Record<string, unknown>;
  options: JobsOptions;
  run_at: Date | null;
}

/**
 * Takes rows no relay holds, oldest first, and only the oldest row of each job id (a later row of
 * the same job waits for it, so `remove` then `requeue` reach Redis in that order). SKIP LOCKED keeps
 * relays of other processes off the same rows; the lease (available_at pushed into the future)
 * keeps them off while this one talks to Redis, outside any transaction. A relay that dies holding
 * rows leaves them to the others once the lease ends.
 */
const CLAIM = `
  WITH claimed AS (
    UPDATE job_outbox SET available_at = now() + make_interval(secs => $2), attempts = attempts + 1
    WHERE id IN (
      SELECT o.id FROM job_outbox o
      WHERE o.available_at <= now()
        AND ($3::bigint[] IS NULL OR o.id = ANY($3::bigint[]))
        AND NOT EXISTS (SELECT 1 FROM job_outbox e WHERE e.job_id = o.job_id AND e.id < o.id)
      ORDER BY o.id
      LIMIT $1
      FOR UPDATE SKIP LOCKED)
    RETURNING id, operation, job_name, job_id, payload, options, run_at)
  SELECT id::text, operation, job_name, job_id, payload, options, run_at FROM claimed ORDER BY id`;

type Sql = (query: string, parameters: unknown[]) => Promise<unknown>;

/**
 * Moves outbox rows to BullMQ (see QueueService for how they are written). Runs in the API and
 * the worker: right after a transaction that wrote rows commits, for those rows, and every
 * OUTBOX_POLL_MS for anything left (Redis was away, a process died). Every job has an id, so
 * relaying a row twice (a crash between the add and the delete) adds one job.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly subscriber: OutboxCommitSubscriber;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {
    const registered = dataSource.subscribers.find(
      (subscriber): subscriber is OutboxCommitSubscriber => subscriber instanceof OutboxCommitSubscriber,
    );
    this.subscriber = registered ?? new OutboxCommitSubscriber((runner, ids) => this.afterCommit(runner, ids));
    if (!registered) dataSource.subscribers.push(this.subscriber);
  }

  onApplicationBootstrap(): void {
    const onError = redisErrorLogger((fields, message) => this.logger.warn(fields, message));
    for (const name of Object.values(QueueName)) this.queue(name).on('error', onError);
    this.timer = setInterval(() => this.poll(), OUTBOX_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** What waits in the outbox: rows, age of the oldest in seconds, rows whose last attempt failed (for /api/health). */
  async backlog(): Promise<{ depth: number; oldestAgeSeconds: number; failing: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS depth, count(last_error)::int AS failing,
              coalesce(floor(extract(epoch FROM now() - min(created_at))), 0)::int AS "oldestAgeSeconds"
       FROM job_outbox`,
    )) as Array<{ depth: number; oldestAgeSeconds: number; failing: number }>;
    return row;
  }

  /** Called by QueueService for each row it writes: relayed once the caller's transaction commits (or now, without one). */
  async written(manager: EntityManager, rowId: string): Promise<void> {
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) this.subscriber.track(runner, rowId);
    else await this.relayAll((query, parameters) => this.dataSource.query(query, parameters), [rowId]);
  }

  /** Relays every row due now, in batches, until none is left or Redis stops answering. */
  poll(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        while (!this.stopped && (await this.relay((q, p) => this.dataSource.query(q, p))) === BATCH);
      } while (this.again && !this.stopped);
    })()
      .catch((error: unknown) => this.logger.warn({ error: describe(error) }, 'outbox relay pass failed'))
      .finally(() => (this.running = undefined));
  }

  private async afterCommit(runner: QueryRunner, rowIds: string[]): Promise<void> {
    if (this.stopped || runner.isReleased) return;
    try {
      await this.relayAll((query, parameters) => runner.query(query, parameters), rowIds);
    } catch (error) {
      // The change is committed; the poll relays the rows later.
      this.logger.warn({ error: describe(error) }, 'outbox relay after commit failed');
    }
  }

  /** Relays these rows: batch after batch, since a row waits for the earlier rows of its job id. */
  private async relayAll(sql: Sql, rowIds: string[]): Promise<void> {
    while (!this.stopped && (await this.relay(sql, rowIds)) > 0);
  }

  /** One batch: takes rows, puts them in Redis one by one, deletes each once done. Returns how many it took. */
  private async relay(sql: Sql, rowIds: string[] | null = null): Promise<number> {
    if (!(await this.redisReady())) return 0;
    // A SELECT over the UPDATE: TypeORM hands back the rows themselves (for an UPDATE, [rows, count]).
    const rows = (await sql(CLAIM, [BATCH, LEASE_SECONDS, rowIds])) as OutboxRow[];
    for (const [index, row] of rows.entries()) {
      try {
        await this.apply(row);
      } catch (error) {
        const message = describe(error);
        this.logger.warn({ outboxId: row.id, jobId: row.job_id, error: message }, 'outbox row not relayed');
        await sql(
          `UPDATE job_outbox SET last_error = left($2, 500),
             available_at = now() + make_interval(secs => least(power(2, attempts), $3)) WHERE id = $1`,
          [row.id, message, MAX_BACKOFF_SECONDS],
        );
        // Redis probably went away: the rest of the batch is free again for the next pass.
        const rest = rows.slice(index + 1).map((r) => r.id);
        if (rest.length) await sql(`UPDATE job_outbox SET available_at = now() WHERE id = ANY($1::bigint[])`, [rest]);
        return rows.length;
      }
      await sql(`DELETE FROM job_outbox WHERE id = $1`, [row.id]);
    }
    return rows.length;
  }

  private async apply(row: OutboxRow): Promise<void> {
    const name = row.job_name as JobName;
    const schema = JOB_PAYLOAD_SCHEMAS[name];
    if (!schema) throw new Error(`job "${row.job_name}" is unknown to this version`);
    const queue = this.queueOf(name);
    if (row.operation === 'remove') {
      // 0 when there is no such job or it is running (its handler re-checks the state).
      await queue.remove(row.job_id);
      return;
    }
    if (row.operation === 'requeue') {
      // A finished job keeps its id (BullMQ then ignores an add under it): removed first.
      // A job not finished yet already does the work: nothing is added.
      const existing = await queue.getJob(row.job_id);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed') {
          this.logger.log(
            { jobId: row.job_id, state },
            'requeue: the job under this id has not finished; nothing added',
          );
          return;
        }
        await existing.remove();
      }
    }
    const delay = row.run_at ? new Date(row.run_at).getTime() - Date.now() : 0;
    await queue.add(name, schema.parse(row.payload), {
      ...row.options,
      jobId: row.job_id,
      ...(delay > 0 ? { delay } : {}),
    });
  }

  private async redisReady(): Promise<boolean> {
    const statuses = await Promise.all(Object.values(QueueName).map((name) => connectionStatus(this.queue(name))));
    return statuses.every((status) => status === 'ready');
  }

  private queueOf(jobName: JobName): Queue {
    return this.queue(QUEUE_OF_JOB[jobName]);
  }

  private queue(name: QueueName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
