import type { DataSource, QueryRunner } from 'typeorm';

export const WORKSPACES = 200;

/** Action families and weights (per 1,000 events), roughly what a running fleet records. */
const ACTIONS: ReadonlyArray<readonly [string, number]> = [
  ['session.created', 200],
  ['node.heartbeat_missed', 120],
  ['channel.webhook_registered', 90],
  ['workspace.renamed', 80],
  ['agent.updated', 80],
  ['secret.rotated', 60],
  ['membership.created', 60],
  ['membership.removed', 20],
  ['billing.invoice_paid', 60],
  ['billing.subscription_activated', 20],
  ['provisioning.step_completed', 120],
  ['provisioning.completed', 20],
  ['workspace.created', 20],
  ['export.requested', 30],
  ['node_session.issued', 18],
  ['staff.fleet_upgrade_started', 1],
  ['staff.workspace_suspended', 1],
];

/** Actor types per 1,000 events; staff actions are rare. */
const ACTOR_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['user', 700],
  ['system', 200],
  ['node', 80],
  ['webhook', 18],
  ['staff', 2],
];

/** Rows per INSERT … SELECT: a progress line each, and one statement never holds the whole load. */
const CHUNK = 2_000_000;

function weighted(values: ReadonlyArray<readonly [string, number]>): string[] {
  return values.flatMap(([value, weight]) => Array.from({ length: weight }, () => value));
}

/**
 * The secondary indexes of audit_events as the migrations left them: dropped before the load
 * and built again after it, because one sorted build per index is far cheaper than
 * maintaining nine B-trees row by row (the load then takes minutes at 10M, not ~20).
 */
async function secondaryIndexes(runner: QueryRunner): Promise<Array<{ name: string; definition: string }>> {
  return (await runner.query(
    `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
     WHERE i.tablename = 'audit_events' AND i.indexname <> 'audit_events_pkey' ORDER BY i.indexname`,
  )) as Array<{ name: string; definition: string }>;
}

/**
 * Loads `rows` audit events generated inside PostgreSQL (INSERT … SELECT over generate_series):
 * one event a second, ids in time order, 10% without a workspace, 10 users per workspace,
 * weighted actions and actor types drawn independently of each other and of the workspace
 * (staff actions by staff). The hash chain is not valid
 * (prev_hash zeros, hash an md5 of the row number): no console statement reads it, and the
 * triggers only refuse UPDATE/DELETE/TRUNCATE.
 */
export async function loadAuditEvents(dataSource: DataSource, workspaceIds: string[], rows: number): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    // Session settings for the index builds; the shared server's configuration is left alone.
    await runner.query(`SET maintenance_work_mem = '512MB'`);
    const indexes = await secondaryIndexes(runner);
    for (const { name } of indexes) await runner.query(`DROP INDEX ${name}`);
    const [{ base }] = (await runner.query(`SELECT COALESCE(max(id), 0)::bigint AS base FROM audit_events`)) as Array<{
      base: string;
    }>;
    const actions = weighted(ACTIONS);
    const actorTypes = weighted(ACTOR_TYPES);
    for (let start = 1; start <= rows; start += CHUNK) {
      const end = Math.min(rows, start + CHUNK - 1);
      // Arrays indexed by the row number rather than joins: rows come out in id order, no sort.
      // Action and actor type from two independent hashes of the row number: a multiple of it
      // modulo 1,000 would tie both to the workspace (g % 200), e.g. every staff action in one.
      await runner.query(
        `INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, workspace_id, action, target_type, target_id, ip, user_agent, outcome, details, prev_hash, hash)
         SELECT $1::bigint + g, now() - (($2::bigint - g) * interval '1 second'),
                CASE WHEN x.action LIKE 'staff.%' THEN 'staff' ELSE x.actor_type END,
                CASE WHEN x.actor_type = 'user' THEN 'user-' || (g % ${WORKSPACES}) || '-' || (g / ${WORKSPACES}) % 10
                     ELSE x.actor_type || '-' || g % 7 END,
                CASE WHEN g % 10 = 0 THEN NULL ELSE x.workspace_id END,
                x.action, 'workspace', x.workspace_id::text, '127.0.0.1', 'bench', 'success', '{}'::jsonb,
                repeat('0', 64), md5(g::text)
         FROM generate_series($3::bigint, $4::bigint) AS g,
         LATERAL (SELECT ($5::uuid[])[1 + g % ${WORKSPACES}] AS workspace_id,
                         ($6::text[])[1 + ((hashint8extended(g, 1) % 1000) + 1000) % 1000] AS action,
                         ($7::text[])[1 + ((hashint8extended(g, 2) % 1000) + 1000) % 1000] AS actor_type) AS x`,
        [base, rows, start, end, workspaceIds, actions, actorTypes],
      );
      console.log(`audit events: ${end.toLocaleString('en')} of ${rows.toLocaleString('en')} inserted`);
    }
    await runner.query(`SELECT setval('audit_events_id_seq', (SELECT max(id) FROM audit_events))`);
    for (const { name, definition } of indexes) {
      await runner.query(definition);
      console.log(`audit events: index ${name} built`);
    }
    await runner.query('VACUUM ANALYZE audit_events');
  } finally {
    await runner.release();
  }
}
