import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transactional outbox for BullMQ jobs (issue 13). A change that needs a job writes a row here in
 * its own transaction, so the job exists exactly when the change does and no transaction ever
 * waits on Redis; the outbox relay (API and worker) moves rows to BullMQ once Redis answers and
 * deletes them. `operation`: `add` (an add under the job id, a no-op while BullMQ keeps one),
 * `requeue` (the same, after removing a finished job holding the id), `remove` (a waiting or
 * delayed job is withdrawn). `run_at` keeps a delayed job's due time, so a late relay does not
 * push it back. `available_at` is when a relay may take the row: now, later after a failed
 * attempt (backoff), or at the end of the lease a relay holds while it talks to Redis.
 * Rows of one job id are relayed in id order. Payloads are ids only, as in Redis.
 */
export class JobOutbox1764410000000 implements MigrationInterface {
  name = 'JobOutbox1764410000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE job_outbox (
        id bigserial PRIMARY KEY,
        operation text NOT NULL CHECK (operation IN ('add', 'requeue', 'remove')),
        queue text NOT NULL,
        job_name text NOT NULL,
        job_id text NOT NULL CHECK (job_id <> ''),
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        run_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        available_at timestamptz NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text
      )`);
    await db.query(`CREATE INDEX job_outbox_job_id_idx ON job_outbox (job_id, id)`);
    await db.query(`CREATE INDEX job_outbox_available_idx ON job_outbox (available_at, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE job_outbox`);
  }
}
