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

const WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One worker per workspace at a time: a session-level advisory lock on a dedicated connection,
 * released by Postgres itself if the worker dies (the connection closes).
 */
@Injectable()
export class WorkspaceRunLock {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async hold<T>(workspaceId: string, work: () => Promise<T>): Promise<T> {
    const key = `provisioning:${workspaceId}`;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
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
        return await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [key]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
