import type { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Thrown when another worker holds the workspace (a stalled job taken over while the first still runs). */
export class WorkspaceBusyError extends Error {
  constructor(workspaceId: string) {
    super(`workspace ${workspaceId} is being provisioned by another worker`);
    this.name = 'WorkspaceBusyError';
  }
}

/**
 * Thrown at the next step boundary when the lock's connection was lost (PostgreSQL restarted, a
 * network cut, an administrator's pg_terminate_backend): the lock went with it, so another worker
 * may take the workspace. The attempt stops and BullMQ retries it, taking the lock again.
 */
export class WorkspaceLockLostError extends Error {
  constructor(workspaceId: string) {
    super(`lost the provisioning lock of workspace ${workspaceId} (its database connection ended)`);
    this.name = 'WorkspaceLockLostError';
  }
}

/** What the work holding the lock can ask of it. */
export interface RunLease {
  /** Throws WorkspaceLockLostError once the lock is no longer held. */
  assertHeld(): void;
}

const WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One worker per workspace at a time: a session-level advisory lock on a dedicated connection,
 * released by Postgres itself if the worker dies (the connection closes). The work checks its
 * lease at every step boundary: if that connection ends while the worker lives, the lock is gone
 * too, and the work must stop rather than run alongside a worker that took the lock since.
 */
@Injectable()
export class WorkspaceRunLock {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async hold<T>(workspaceId: string, work: (lease: RunLease) => Promise<T>): Promise<T> {
    const key = `provisioning:${workspaceId}`;
    const runner = this.dataSource.createQueryRunner();
    const connection = (await runner.connect()) as EventEmitter;
    let lost = false;
    const onLost = () => {
      lost = true;
    };
    connection.once('error', onLost).once('end', onLost);
    const lease: RunLease = {
      assertHeld: () => {
        if (lost) throw new WorkspaceLockLostError(workspaceId);
      },
    };
    try {
      // A run that just finished may still hold the lock for a moment (mail, cleanup): wait a
      // little before giving up, so a normal hand-over does not cost the next job an attempt.
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [
          key,
        ])) as Array<{ locked: boolean }>;
        if (locked) break;
        if (Date.now() > deadline) throw new WorkspaceBusyError(workspaceId);
        await sleep(250);
      }
      try {
        return await work(lease);
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [key]).catch(() => undefined);
      }
    } finally {
      connection.off('error', onLost).off('end', onLost);
      await runner.release();
    }
  }
}
