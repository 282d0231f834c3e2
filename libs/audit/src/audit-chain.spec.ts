import { dataSourceOptions, WorkspaceEntity } from '@enclave/persistence';
import { createTestDatabase, type TestDatabase } from '@enclave/testing';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from './audit-chain-verifier';
import { AuditService } from './audit.service';
import { SYSTEM_ACTOR } from './audit.types';

describe('audit chain writer', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let audit: AuditService;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
    audit = new AuditService(dataSource);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const count = async () =>
    ((await dataSource.query('SELECT count(*)::int AS n FROM audit_events')) as Array<{ n: number }>)[0].n;

  it('writes the events of a committed transaction, in order, and none of a rolled-back one', async () => {
    await dataSource.transaction(async (manager) => {
      await audit.record(manager, { actor: SYSTEM_ACTOR, action: 'test.first' });
      await audit.record(manager, { actor: SYSTEM_ACTOR, action: 'test.second' });
    });
    await expect(
      dataSource.transaction(async (manager) => {
        await audit.record(manager, { actor: SYSTEM_ACTOR, action: 'test.rolled_back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const actions = (
      (await dataSource.query('SELECT action FROM audit_events ORDER BY id')) as Array<{ action: string }>
    ).map((row) => row.action);
    expect(actions).toEqual(['test.first', 'test.second']);
    expect(await verifyAuditChain(dataSource)).toMatchObject({ ok: true, checked: 2 });
  });

  it('never deadlocks when transactions record events and lock the same rows in opposite orders', async () => {
    const workspace = await dataSource
      .getRepository(WorkspaceEntity)
      .save({ name: 'Locked', slug: 'locked-ws', status: 'active', deletedAt: null });
    const before = await count();
    const lockRow = (manager: DataSource['manager']) =>
      manager.query('SELECT id FROM workspaces WHERE id = $1 FOR UPDATE', [workspace.id]);
    let releaseFirst!: () => void;
    const firstHoldsRow = new Promise<void>((resolve) => (releaseFirst = resolve));
    // A: records an event, then locks the row. B: locks the row, then records an event.
    const a = dataSource.transaction(async (manager) => {
      await audit.record(manager, { actor: SYSTEM_ACTOR, action: 'test.a' });
      await firstHoldsRow;
      await lockRow(manager);
    });
    const b = dataSource.transaction(async (manager) => {
      await lockRow(manager);
      releaseFirst();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await audit.record(manager, { actor: SYSTEM_ACTOR, action: 'test.b' });
    });
    await expect(Promise.all([a, b])).resolves.toBeDefined();
    expect(await count()).toBe(before + 2);
    expect(await verifyAuditChain(dataSource)).toMatchObject({ ok: true });
  });

  it('refuses to record outside a transaction', async () => {
    await expect(audit.record(dataSource.manager, { actor: SYSTEM_ACTOR, action: 'test.loose' })).rejects.toThrow(
      /inside a transaction/,
    );
  });
});
