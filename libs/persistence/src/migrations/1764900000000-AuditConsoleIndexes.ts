import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the staff audit console's filter combinations (apps/api/src/audit/audit-query.sql.ts),
 * each ending in `id` so a page newest-first is one backward range scan:
 * - action on the C collation, so an action family ("workspace.") is an index range whatever
 *   the database's collation (replaces (action, id));
 * - workspace + action, workspace + actor, workspace + actor type, and actor type alone.
 */
export class AuditConsoleIndexes1764900000000 implements MigrationInterface {
  name = 'AuditConsoleIndexes1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS audit_events_action_idx`);
    await db.query(`CREATE INDEX audit_events_action_idx ON audit_events ((action COLLATE "C"), id)`);
    await db.query(
      `CREATE INDEX audit_events_workspace_action_idx ON audit_events (workspace_id, (action COLLATE "C"), id)`,
    );
    await db.query(`CREATE INDEX audit_events_workspace_actor_idx ON audit_events (workspace_id, actor_id, id)`);
    await db.query(`CREATE INDEX audit_events_workspace_actor_type_idx ON audit_events (workspace_id, actor_type, id)`);
    await db.query(`CREATE INDEX audit_events_actor_type_idx ON audit_events (actor_type, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX audit_events_actor_type_idx`);
    await db.query(`DROP INDEX audit_events_workspace_actor_type_idx`);
    await db.query(`DROP INDEX audit_events_workspace_actor_idx`);
    await db.query(`DROP INDEX audit_events_workspace_action_idx`);
    await db.query(`DROP INDEX audit_events_action_idx`);
    await db.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, id)`);
  }
}
