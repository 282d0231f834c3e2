import { randomUUID } from 'node:crypto';
import { dataSourceOptions } from '@enclave/persistence';
import { createTestDatabase, type TestDatabase } from '@enclave/testing';
import { DataSource } from 'typeorm';
import { type RunLease, WorkspaceLockLostError, WorkspaceRunLock } from './workspace-run-lock';

/** Two workers' locks on one database: one holder per workspace, and a lost lock stops its holder. */
describe('WorkspaceRunLock (real PostgreSQL)', () => {
  let database: TestDatabase;
  const workers: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) workers.push(await new DataSource(dataSourceOptions(database.url)).initialize());
  });
  afterAll(async () => {
    for (const worker of workers) await worker.destroy();
    await database.drop();
  });

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  };

  it('a lease whose connection was terminated says so at the next step, and another worker takes the workspace', async () => {
    const workspaceId = randomUUID();
    const [first, second] = workers.map((w) => new WorkspaceRunLock(w));
    let leaseOfFirst: RunLease | undefined;
    let release!: () => void;
    const running = first.hold(workspaceId, async (lease) => {
      leaseOfFirst = lease;
      lease.assertHeld();
      await new Promise<void>((resolve) => (release = resolve));
      lease.assertHeld();
    });
    await until(() => leaseOfFirst !== undefined);

    // What a PostgreSQL restart or a network cut does to the lock's own connection.
    await workers[1].query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database =
         (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const tookOver = await second.hold(workspaceId, async () => 'second worker ran');
    expect(tookOver).toBe('second worker ran');

    release();
    await expect(running).rejects.toBeInstanceOf(WorkspaceLockLostError);
  });
});
