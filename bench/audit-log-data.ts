import type { DataSource } from 'typeorm';

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

function weighted(values: ReadonlyArray<readonly [string, number]>): string[] {
  return values.flatMap(([value, weight]) => Array.from({ length: weight }, () => value));
}

/**
 * Loads `rows` audit events straight in SQL (the hash chain is irrelevant to read speed;
 * the triggers only refuse UPDATE/DELETE): one event a second, ids in time order, 10% without
 * a workspace, 10 users per workspace, weighted actions and actor types (staff actions by staff).
 */
export async function loadAuditEvents(dataSource: DataSource, workspaceIds: string[], rows: number): Promise<void> {
  await dataSource.query(
    `CREATE TEMP TABLE bench_ws AS SELECT row_number() OVER () - 1 AS n, id::uuid FROM unnest($1::text[]) AS id`,
    [workspaceIds],
  );
  await dataSource.query(
    `CREATE TEMP TABLE bench_action AS SELECT row_number() OVER () - 1 AS n, a FROM unnest($1::text[]) AS a`,
    [weighted(ACTIONS)],
  );
  await dataSource.query(
    `CREATE TEMP TABLE bench_actor AS SELECT row_number() OVER () - 1 AS n, t FROM unnest($1::text[]) AS t`,
    [weighted(ACTOR_TYPES)],
  );
  const chunk = 1_000_000;
  for (let start = 1; start <= rows; start += chunk) {
    const end = Math.min(rows, start + chunk - 1);
    await dataSource.query(
      `INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, workspace_id, action, target_type, target_id, ip, user_agent, outcome, details, prev_hash, hash)
       SELECT nextval('audit_events_id_seq'), now() - (($1::int - g) || ' seconds')::interval,
              CASE WHEN a.a LIKE 'staff.%' THEN 'staff' ELSE t.t END,
              CASE WHEN t.t = 'user' THEN 'user-' || (g % ${WORKSPACES}) || '-' || (g / ${WORKSPACES}) % 10 ELSE t.t || '-' || g % 7 END,
              CASE WHEN g % 10 = 0 THEN NULL ELSE w.id END,
              a.a, 'workspace', w.id::text, '127.0.0.1', 'bench', 'success', '{}'::jsonb, repeat('0', 64), md5(g::text)
       FROM generate_series($2::bigint, $3::bigint) AS g
       JOIN bench_ws w ON w.n = g % ${WORKSPACES}
       JOIN bench_action a ON a.n = (g * 7919) % 1000
       JOIN bench_actor t ON t.n = (g * 104729) % 1000
       ORDER BY g`,
      [rows, start, end],
    );
  }
  await dataSource.query('VACUUM ANALYZE audit_events');
}
