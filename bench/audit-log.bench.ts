/**
 * Audit log at scale: every filter combination of the staff audit console, run as the
 * console runs it (the statements of apps/api/src/audit/audit-query.sql.ts), against the
 * floor: a workspace-only page. Also keyset against OFFSET paging and the append rate of
 * the hash-chained writer.
 *
 *   node -r @swc-node/register bench/audit-log.bench.ts [--rows 1000000] [--no-write]
 *   npm run bench -- audit-log --rows 10000000      (10M rows: opt-in, ~5 min to load)
 *
 * Writes its figures into docs/BENCHMARKS.md (section "Audit log").
 */
import { AuditService } from '@enclave/audit';
import { dataSourceOptions } from '@enclave/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { actionFamilySql, isActionFamily, pageSql } from '../apps/api/src/audit/audit-query.sql';
import type { AuditFilter } from '../apps/api/src/audit/audit-query.service';
import { createTestDatabase } from '../libs/testing/src/test-database';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import { loadAuditEvents, WORKSPACES } from './audit-log-data';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const ROWS = Number(flagValue('--rows') ?? 1_000_000);
const TARGET_MS = 10;
const PAGE = 50;

interface Timed {
  readonly ms: number;
}

async function main(): Promise<void> {
  await globalSetup();
  const database = await createTestDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  try {
    const workspaceIds = Array.from({ length: WORKSPACES }, () => randomUUID());
    const loadStarted = Date.now();
    await loadAuditEvents(dataSource, workspaceIds, ROWS);
    const loadSeconds = (Date.now() - loadStarted) / 1000;

    // Planning + execution time on the server (EXPLAIN ANALYZE), so client round trips do not blur small figures.
    const serverMs = async (sql: string, params: unknown[]) => {
      const [{ 'QUERY PLAN': plan }] = (await dataSource.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      )) as Array<{
        'QUERY PLAN': Array<{ 'Execution Time': number; 'Planning Time': number }>;
      }>;
      return plan[0]['Execution Time'] + plan[0]['Planning Time'];
    };
    const medianOf = async (sql: string, params: unknown[], repeat = 5): Promise<Timed> => {
      const samples: number[] = [];
      for (let i = 0; i < repeat; i += 1) samples.push(await serverMs(sql, params));
      return { ms: samples.sort((a, b) => a - b)[Math.floor(repeat / 2)] };
    };
    // What the console runs for a page: one statement, or for an action family the family's
    // actions and then one statement per action (AuditQueryService.rows).
    const statements = async (filter: AuditFilter, cursor?: string) => {
      if (!isActionFamily(filter.action)) return [pageSql(filter, cursor, PAGE + 1)];
      const family = actionFamilySql(filter.action);
      const actions = (await dataSource.query(family.text, family.params)) as Array<{ action: string }>;
      return [family, ...actions.map(({ action }) => pageSql({ ...filter, action }, cursor, PAGE + 1))];
    };
    const consolePage = async (filter: AuditFilter, cursor?: string): Promise<Timed> => {
      let ms = 0;
      for (const { text, params } of await statements(filter, cursor)) ms += (await medianOf(text, params)).ms;
      return { ms };
    };
    const lastIdOfFirstPage = async (filter: AuditFilter) => {
      const ids: bigint[] = [];
      for (const { text, params } of (await statements(filter)).filter((st) => !st.text.startsWith('WITH RECURSIVE')))
        for (const row of (await dataSource.query(text, params)) as Array<{ id: string }>) ids.push(BigInt(row.id));
      ids.sort((a, b) => (b > a ? 1 : -1));
      return ids.length > PAGE ? String(ids[PAGE - 1]) : undefined;
    };

    const ws = workspaceIds[7];
    const at = async (fraction: number) =>
      (
        (await dataSource.query(`SELECT occurred_at AS t FROM audit_events ORDER BY id OFFSET $1 LIMIT 1`, [
          Math.floor(ROWS * fraction),
        ])) as Array<{ t: Date }>
      )[0].t;
    const mid = await at(0.5);
    const early = await at(0.05);
    const day = {
      from: new Date(mid.getTime() - 43_200_000).toISOString(),
      to: new Date(mid.getTime() + 43_200_000).toISOString(),
    };
    // An hour early in the table: the old statement walked the primary key down to it.
    const hour = { from: early.toISOString(), to: new Date(early.getTime() + 3_600_000).toISOString() };
    const user = `user-7-3`;
    const floor = await consolePage({ workspaceId: ws });
    const combos: Array<[string, AuditFilter]> = [
      ['no filter', {}],
      ['workspace (floor)', { workspaceId: ws }],
      ['action, common', { action: 'session.created' }],
      ['action, rare (1 in 1,000)', { action: 'staff.workspace_suspended' }],
      ['action family `billing.`', { action: 'billing.' }],
      ['action family `staff.` (rare)', { action: 'staff.' }],
      ['actor type `staff` (2 in 1,000)', { actorType: 'staff' }],
      ['actor id', { actorId: user }],
      ['date range, 24 h, no workspace', day],
      ['date range, 1 h early in the table, no workspace', hour],
      ['date range + workspace', { ...day, workspaceId: ws }],
      ['date range + action family', { ...day, action: 'billing.' }],
      ['date range + rare action', { ...day, action: 'staff.workspace_suspended' }],
      ['date range + actor type `staff`', { ...day, actorType: 'staff' }],
      ['workspace + action', { workspaceId: ws, action: 'secret.rotated' }],
      ['workspace + rare action', { workspaceId: ws, action: 'staff.workspace_suspended' }],
      ['workspace + action family', { workspaceId: ws, action: 'membership.' }],
      ['workspace + actor id', { workspaceId: ws, actorId: user }],
      ['workspace + actor type `staff`', { workspaceId: ws, actorType: 'staff' }],
      ['workspace + actor id + action', { workspaceId: ws, actorId: user, action: 'session.created' }],
      ['actor type `staff` + action family `staff.`', { actorType: 'staff', action: 'staff.' }],
      ['actor type `webhook` + rare action (no match)', { actorType: 'webhook', action: 'staff.workspace_suspended' }],
      [
        'workspace + actor type `staff` + action family `staff.`',
        { workspaceId: ws, actorType: 'staff', action: 'staff.' },
      ],
      ['actor id + action', { actorId: user, action: 'session.created' }],
      ['every filter', { ...day, workspaceId: ws, actorType: 'user', actorId: user, action: 'session.' }],
    ];
    const results: Array<[string, Timed, Timed]> = [];
    for (const [name, filter] of combos) {
      const first = await consolePage(filter);
      // The next page: the cursor a user gets after the first page.
      const cursor = await lastIdOfFirstPage(filter);
      const next = cursor ? await consolePage(filter, cursor) : first;
      results.push([name, first, next]);
      console.log(`${name}: ${first.ms.toFixed(2)} ms, next page ${next.ms.toFixed(2)} ms`);
    }
    // The statement the console ran before (date range on occurred_at, walking the primary key).
    const before = await medianOf(
      `SELECT * FROM audit_events e WHERE e.occurred_at >= $1 AND e.occurred_at < $2 ORDER BY e.id DESC LIMIT ${PAGE + 1}`,
      [hour.from, hour.to],
      3,
    );

    // Keyset against OFFSET, deep in one workspace.
    const depth = Math.floor(ROWS / WORKSPACES / PAGE / 2) * PAGE;
    const [{ id: cursor }] = await dataSource.query(
      `SELECT id::text FROM audit_events WHERE workspace_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1`,
      [ws, depth - 1],
    );
    const keyset = await consolePage({ workspaceId: ws }, cursor);
    const offset = await medianOf(
      `SELECT * FROM audit_events WHERE workspace_id = $1 ORDER BY id DESC OFFSET $2 LIMIT ${PAGE}`,
      [ws, depth],
    );

    // Append rate through the real writer (advisory lock + hash chain), 1 vs 4 concurrent writers.
    const audit = new AuditService(dataSource);
    const append = async (writers: number, perWriter: number) => {
      const started = Date.now();
      await Promise.all(
        Array.from({ length: writers }, async () => {
          for (let i = 0; i < perWriter; i += 1)
            await dataSource.transaction((manager) =>
              audit.record(manager, { actor: { type: 'system', id: null }, action: 'bench.append', details: { i } }),
            );
        }),
      );
      return (writers * perWriter) / ((Date.now() - started) / 1000);
    };
    const single = await append(1, 400);
    const quad = await append(4, 100);

    const fmt = (t: Timed) => `${t.ms.toFixed(2)} ms`;
    const worst = Math.max(...results.flatMap(([, a, b]) => [a.ms, b.ms]));
    const over = results.filter(([, a, b]) => Math.max(a.ms, b.ms) > TARGET_MS).map(([name]) => name);
    const lines = [
      `${benchContext()} Data: ${ROWS.toLocaleString('en')} audit events over ${WORKSPACES} workspaces (10% without one, 10 users each, 17 actions with weights, 5 actor types), loaded in ${loadSeconds.toFixed(0)} s; PostgreSQL ${(await dataSource.query('SHOW server_version'))[0].server_version}. Server-side planning + execution time (EXPLAIN ANALYZE), median of 5, a page of 50 newest first, as the console asks it (apps/api/src/audit/audit-query.sql.ts).`,
      '',
      `Target: every filter combination ≤ ${TARGET_MS} ms at 10M rows. Floor: a workspace-only page, ${fmt(floor)}.`,
      '',
      '| console filter | first page | next page | ratio to the floor | target |',
      '|---|---|---|---|---|',
      ...results.map(
        ([name, a, b]) =>
          `| ${name} | ${fmt(a)} | ${fmt(b)} | ${(Math.max(a.ms, b.ms) / floor.ms).toFixed(1)}× | ${Math.max(a.ms, b.ms) <= TARGET_MS ? 'met' : '**not met**'} |`,
      ),
      '',
      `Before (the date range filtered on occurred_at while walking the primary key): 1 h without a workspace ${fmt(before)}, now ${fmt(results.find(([n]) => n.startsWith('date range, 1 h early'))?.[1] ?? floor)}. Worst combination now: ${worst.toFixed(2)} ms${over.length ? `; over ${TARGET_MS} ms: ${over.join(', ')}` : ''}.`,
      '',
      `Where the time goes: every statement is one backward range scan of an index ending in \`id\` — (workspace_id, id), (workspace_id, action C, id), (workspace_id, actor_id, id), (workspace_id, actor_type, id), (action C, id), (actor_id, id), (actor_type, id), (actor_type, action C, id) — stopped after one page. A date range becomes id bounds (two probes of the occurred_at index, widened by a 10-minute slack for events recorded before they commit) and its exact occurred_at test filters an \`OFFSET 0\` subquery: otherwise the planner, not knowing occurred_at rises with id, intersects the occurred_at index and sorts thousands of rows. Joint statistics on (actor_type, action) tell it staff actions are done by staff. An action family is a loose index scan over its distinct actions (one probe each), then one page per action from its own index range, merged by id in the API. What remains is a filter the chosen index does not cover (e.g. every filter at once reads the actor's rows in the workspace and drops the other actions).`,
      '',
      `Paging deep in one workspace (${depth.toLocaleString('en')} events in): OFFSET ${fmt(offset)}, keyset ${fmt(keyset)} (${(offset.ms / keyset.ms).toFixed(0)}×).`,
      '',
      `Hash-chained appends (advisory lock, one transaction each): ${single.toFixed(0)} events/s with 1 writer, ${quad.toFixed(0)} events/s with 4 concurrent writers (ratio ${(quad / single).toFixed(2)}: the chain serialises appends by design).`,
      '',
      `Reproduce: \`npm run bench -- audit-log --rows ${ROWS}\` (10M: \`--rows 10000000\`).`,
    ];
    writeBenchmarkSection('Audit log', lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    await dataSource.destroy();
    await database.drop();
    await globalTeardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
