import { dataSourceOptions } from '@enclave/persistence';
import { createTestDatabase, type TestDatabase } from '@enclave/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditQueryService } from './audit-query.service';
import { OCCURRED_AT_SLACK_MS } from './audit-query.sql';

describe('AuditQueryService against PostgreSQL: id bounds for date ranges, action families', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let service: AuditQueryService;
  const workspaceId = randomUUID();
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  const minute = 60_000;

  /** Rows in id order; `offsetMin` is each one's occurred_at in minutes after t0 (ids follow commit order). */
  const insert = async (rows: Array<{ offsetMin: number; action: string }>) => {
    for (const row of rows)
      await dataSource.query(
        `INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, workspace_id, action, outcome, details, prev_hash, hash)
         VALUES (nextval('audit_events_id_seq'), $1, 'user', 'u1', $2, $3, 'success', '{}', repeat('0', 64), md5(random()::text))`,
        [new Date(t0 + row.offsetMin * minute), workspaceId, row.action],
      );
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
    service = new AuditQueryService(dataSource);
    const slackMin = OCCURRED_AT_SLACK_MS / minute;
    // Minute by minute for two hours, plus events committed late: recorded up to (slack - 1)
    // minutes before events that got lower ids (a long transaction, another process's clock).
    const rows = Array.from({ length: 120 }, (_, i) => ({
      offsetMin: i,
      action: i % 2 ? 'workspace.renamed' : 'session.created',
    }));
    rows.splice(70, 0, { offsetMin: 70 - (slackMin - 1), action: 'billing.invoice_paid' });
    rows.splice(40, 0, { offsetMin: 30, action: 'billing.subscription_activated' });
    await insert(rows);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const all = async (filter: Parameters<AuditQueryService['page']>[0]) => {
    const events = [];
    for await (const event of service.all(filter, 7)) events.push(event);
    return events;
  };

  it('a date range finds exactly the events recorded in it, late commits included, newest id first', async () => {
    const from = new Date(t0 + 30 * minute).toISOString();
    const to = new Date(t0 + 62 * minute).toISOString();
    const events = await all({ from, to });
    const expected = (await dataSource.query(
      `SELECT id::text FROM audit_events WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY id DESC`,
      [from, to],
    )) as Array<{ id: string }>;
    expect(events.map((e) => e.id)).toEqual(expected.map((r) => r.id));
    expect(events.some((e) => e.action === 'billing.invoice_paid')).toBe(true); // recorded at 61 min, committed after 69
    expect(events.some((e) => e.action === 'billing.subscription_activated')).toBe(true); // recorded at 30, committed after 39
  });

  it('a date range with other filters pages exactly their matching events, newest id first', async () => {
    const from = new Date(t0 + 20 * minute).toISOString();
    const to = new Date(t0 + 100 * minute).toISOString();
    const events = await all({ from, to, workspaceId, actorType: 'user', action: 'session.' });
    const expected = (await dataSource.query(
      `SELECT e.id::text FROM audit_events e
       WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND e.action = 'session.created' ORDER BY e.id DESC`,
      [from, to],
    )) as Array<{ id: string }>;
    expect(expected.length).toBeGreaterThan(7);
    expect(events.map((e) => e.id)).toEqual(expected.map((r) => r.id));
  });

  it('an action family pages every action of the family by id, the cursor continuing across actions', async () => {
    const first = await service.page({ workspaceId, action: 'billing.' }, undefined, 1);
    expect(first.items.map((e) => e.action)).toEqual(['billing.invoice_paid']);
    const second = await service.page({ workspaceId, action: 'billing.' }, first.nextCursor ?? undefined, 1);
    expect(second.items.map((e) => e.action)).toEqual(['billing.subscription_activated']);
    expect(second.nextCursor).toBeNull();
    expect((await all({ action: 'workspace.' })).every((e) => e.action === 'workspace.renamed')).toBe(true);
    expect(await all({ action: 'workspaces.' })).toEqual([]);
  });
});
