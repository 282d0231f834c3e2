/**
 * Audit log at scale: staff console queries over a large audit_events table, keyset
 * pagination against the OFFSET pagination it replaces, measured in the same session on the
 * same data. Also the append rate of the hash-chained writer.
 *
 *   node -r @swc-node/register bench/audit-log.bench.ts [rows=2000000]
 *
 * Writes its figures into docs/BENCHMARKS.md (section "Audit log").
 */
import { AuditService } from '@enclave/audit';
import { dataSourceOptions } from '@enclave/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../libs/testing/src/test-database';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import { writeBenchmarkSection } from './report';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const WORKSPACES = 200;

async function main(): Promise<void> {
  await globalSetup();
  const database = await createTestDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  try {
    const workspaceIds = Array.from({ length: WORKSPACES }, () => randomUUID());
    await dataSource.query(
      `CREATE TEMP TABLE bench_ws AS SELECT row_number() OVER () - 1 AS n, id::uuid FROM unnest($1::text[]) AS id`,
      [workspaceIds],
    );
    const loadStarted = Date.now();
    // Bulk rows straight in SQL (the chain is irrelevant to read speed); triggers only refuse UPDATE/DELETE.
    await dataSource.query(
      `INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, workspace_id, action, target_type, target_id, ip, user_agent, outcome, details, prev_hash, hash)
       SELECT nextval('audit_events_id_seq'), now() - (($1 - g) || ' seconds')::interval, 'user', md5(g::text), w.id,
              (ARRAY['workspace.created','workspace.renamed','session.created','membership.created','billing.subscription_activated'])[1 + g % 5],
              'workspace', w.id::text, '127.0.0.1', 'bench', 'success', '{}'::jsonb, repeat('0', 64), md5(g::text)
       FROM generate_series(1, $1) AS g JOIN bench_ws w ON w.n = g % ${WORKSPACES}`,
      [ROWS],
    );
    await dataSource.query('ANALYZE audit_events');
    const loadSeconds = (Date.now() - loadStarted) / 1000;

    const target = workspaceIds[7];
    const pageSize = 50;
    const depthPages = Math.floor(ROWS / WORKSPACES / pageSize / 2); // half-way through one workspace's events
    const [{ id: cursor }] = await dataSource.query(
      `SELECT id::text FROM audit_events WHERE workspace_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1`,
      [target, depthPages * pageSize - 1],
    );
    // Server-side execution time (EXPLAIN ANALYZE), so client round trips do not blur small figures.
    const executionMs = async (sql: string, params: unknown[]) => {
      const [{ 'QUERY PLAN': plan }] = (await dataSource.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      )) as Array<{ 'QUERY PLAN': Array<{ 'Execution Time': number }> }>;
      return plan[0]['Execution Time'];
    };
    const medianOf = async (sql: string, params: unknown[], repeat = 5) => {
      const samples: number[] = [];
      for (let i = 0; i < repeat; i += 1) samples.push(await executionMs(sql, params));
      return { ms: samples.sort((a, b) => a - b)[Math.floor(repeat / 2)] };
    };
    const keyset = await medianOf(
      `SELECT * FROM audit_events WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT ${pageSize}`,
      [target, cursor],
    );
    const offset = await medianOf(
      `SELECT * FROM audit_events WHERE workspace_id = $1 ORDER BY id DESC OFFSET $2 LIMIT ${pageSize}`,
      [target, depthPages * pageSize],
    );
    const [{ id: globalCursor }] = await dataSource.query(
      `SELECT id::text FROM audit_events ORDER BY id DESC OFFSET $1 LIMIT 1`,
      [Math.floor(ROWS / 2)],
    );
    const keysetGlobal = await medianOf(`SELECT * FROM audit_events WHERE id < $1 ORDER BY id DESC LIMIT ${pageSize}`, [
      globalCursor,
    ]);
    const offsetGlobal = await medianOf(
      `SELECT * FROM audit_events ORDER BY id DESC OFFSET $1 LIMIT ${pageSize}`,
      [Math.floor(ROWS / 2)],
      3,
    );

    // Append rate through the real writer (advisory lock + hash chain), 1 vs 4 concurrent writers.
    const audit = new AuditService(dataSource);
    const append = async (writers: number, perWriter: number) => {
      const started = Date.now();
      await Promise.all(
        Array.from({ length: writers }, async () => {
          for (let i = 0; i < perWriter; i += 1) {
            await dataSource.transaction((manager) =>
              audit.record(manager, { actor: { type: 'system', id: null }, action: 'bench.append', details: { i } }),
            );
          }
        }),
      );
      return (writers * perWriter) / ((Date.now() - started) / 1000);
    };
    const single = await append(1, 400);
    const quad = await append(4, 100);

    const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
    const lines = [
      `Data: ${ROWS.toLocaleString('en')} audit events over ${WORKSPACES.toLocaleString('en')} workspaces, loaded in ${loadSeconds.toFixed(0)} s (PostgreSQL ${(await dataSource.query('SHOW server_version'))[0].server_version}, 2 cores). Server-side execution time (EXPLAIN ANALYZE), median of 5 runs (3 for the slowest), same session, same data.`,
      '',
      '| query (page of 50, newest first) | OFFSET (baseline) | keyset (`id < cursor`) | speed-up |',
      '|---|---|---|---|',
      `| one workspace, page ${depthPages} | ${fmt(offset.ms)} | ${fmt(keyset.ms)} | ${(offset.ms / keyset.ms).toFixed(1)}× |`,
      `| all workspaces, ${Math.floor(ROWS / 2).toLocaleString('en')} rows deep | ${fmt(offsetGlobal.ms)} | ${fmt(keysetGlobal.ms)} | ${(offsetGlobal.ms / keysetGlobal.ms).toFixed(0)}× |`,
      '',
      `Hash-chained appends (advisory lock, one transaction each): ${single.toFixed(0)} events/s with 1 writer, ${quad.toFixed(0)} events/s with 4 concurrent writers (ratio ${(quad / single).toFixed(2)}: the chain serialises appends by design).`,
      '',
      `Reproduce: \`node -r @swc-node/register bench/audit-log.bench.ts ${ROWS}\` (${new Date().toISOString().slice(0, 10)})`,
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
