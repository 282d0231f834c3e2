import type { AuditEventEntity } from '@enclave/persistence';
import type { AuditFilter } from './audit-query.service';

/**
 * How far an event's `occurred_at` (taken when it is recorded) may run ahead of the events
 * committed after it (ids are taken at commit, under the chain lock): the longest transaction
 * that records an event, plus clock skew between API and worker processes. A date range is
 * turned into id bounds widened by this much, and the exact date test still applies.
 */
export const OCCURRED_AT_SLACK_MS = 10 * 60_000;

const COLUMNS = `e.id::text AS id, e.occurred_at AS "occurredAt", e.actor_type AS "actorType", e.actor_id AS "actorId",
  e.workspace_id AS "workspaceId", e.action, e.target_type AS "targetType", e.target_id AS "targetId", e.ip,
  e.user_agent AS "userAgent", e.outcome, e.details, e.prev_hash AS "prevHash", e.hash`;

/** A statement and its parameters, built up one filter at a time. */
export class AuditSql {
  readonly params: unknown[] = [];
  private readonly where: string[] = [];

  bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  and(condition: string): void {
    this.where.push(condition);
  }

  clause(): string {
    return this.where.length ? `WHERE ${this.where.join(' AND ')}` : '';
  }

  statement(text: string): AuditStatement {
    return { text, params: this.params };
  }
}

export interface AuditStatement {
  readonly text: string;
  readonly params: unknown[];
}

/**
 * A date range as `id` bounds plus the exact test: ids grow with commit time, so the newest
 * event recorded before `from − slack` bounds the range below and the oldest recorded at or
 * after `to + slack` bounds it above (both found on the occurred_at index). The bounds go into
 * `sql`, so the page scans an id index; the exact `occurred_at` tests are returned for the
 * caller to apply on what that scan yields.
 */
export function dateRangeSql(filter: AuditFilter, sql: AuditSql): string[] {
  const exact: string[] = [];
  if (filter.from) {
    const before = new Date(Date.parse(filter.from) - OCCURRED_AT_SLACK_MS);
    sql.and(
      `e.id > COALESCE((SELECT b.id FROM audit_events b WHERE b.occurred_at < ${sql.bind(before)} ORDER BY b.occurred_at DESC LIMIT 1), 0)`,
    );
    exact.push(`e."occurredAt" >= ${sql.bind(filter.from)}`);
  }
  if (filter.to) {
    const after = new Date(Date.parse(filter.to) + OCCURRED_AT_SLACK_MS);
    sql.and(
      `e.id < COALESCE((SELECT b.id FROM audit_events b WHERE b.occurred_at >= ${sql.bind(after)} ORDER BY b.occurred_at LIMIT 1), 9223372036854775807)`,
    );
    exact.push(`e."occurredAt" < ${sql.bind(filter.to)}`);
  }
  return exact;
}

/** An action family ("workspace.") ends in a dot; anything else is one exact action. */
export function isActionFamily(action: string | undefined): action is string {
  return action?.endsWith('.') ?? false;
}

/**
 * The distinct actions of a family, by a loose index scan on the C-collated action index:
 * one index probe per distinct action, however many events each has.
 */
export function actionFamilySql(family: string): AuditStatement {
  const sql = new AuditSql();
  const low = sql.bind(family);
  // The first string after every string starting with the prefix ('.' + 1 = '/').
  const high = sql.bind(`${family.slice(0, -1)}/`);
  return sql.statement(
    `WITH RECURSIVE actions(action) AS (
       SELECT (SELECT min(x.action COLLATE "C") FROM audit_events x WHERE x.action COLLATE "C" >= ${low} AND x.action COLLATE "C" < ${high})
       UNION ALL
       SELECT (SELECT min(x.action COLLATE "C") FROM audit_events x WHERE x.action COLLATE "C" > a.action AND x.action COLLATE "C" < ${high})
       FROM actions a WHERE a.action IS NOT NULL
     )
     SELECT action FROM actions WHERE action IS NOT NULL`,
  );
}

/**
 * One page (newest first, `id < cursor`) of the events matching `filter` with one exact
 * action or none; an action family is run as one such page per action of the family
 * (AuditQueryService merges them by id), so each is a short range of its own index.
 *
 * With a date range, the exact date test filters the output of an `OFFSET 0` subquery: the
 * planner cannot know that occurred_at rises with id, so given both it estimates the range
 * as a tiny fraction of the id range and intersects the occurred_at index with another one,
 * then sorts thousands of rows (16–60 ms at 10M events). Behind the fence the subquery is
 * planned for the page's LIMIT alone: an id-ordered index scan that stops after one page.
 * Rows come out in the subquery's id order; AuditQueryService still sorts what it merges.
 */
export function pageSql(filter: AuditFilter, cursor: string | undefined, limit: number): AuditStatement {
  if (isActionFamily(filter.action)) throw new Error('an action family is paged one action at a time');
  const sql = new AuditSql();
  if (filter.workspaceId) sql.and(`e.workspace_id = ${sql.bind(filter.workspaceId)}`);
  if (filter.actorType) sql.and(`e.actor_type = ${sql.bind(filter.actorType)}`);
  if (filter.actorId) sql.and(`e.actor_id = ${sql.bind(filter.actorId)}`);
  if (filter.action) sql.and(`e.action COLLATE "C" = ${sql.bind(filter.action)}`);
  if (cursor) sql.and(`e.id < ${sql.bind(cursor)}`);
  const exactDates = dateRangeSql(filter, sql);
  const newestFirst = `SELECT ${COLUMNS} FROM audit_events e ${sql.clause()} ORDER BY e.id DESC`;
  if (!exactDates.length) return sql.statement(`${newestFirst} LIMIT ${sql.bind(limit)}`);
  return sql.statement(
    `SELECT * FROM (${newestFirst} OFFSET 0) e WHERE ${exactDates.join(' AND ')} LIMIT ${sql.bind(limit)}`,
  );
}

/** Rows of pageSql as entities (occurredAt as a Date, id as text). */
export function toEntity(row: Record<string, unknown>): AuditEventEntity {
  return { ...(row as unknown as AuditEventEntity), occurredAt: new Date(row.occurredAt as string | Date) };
}
