import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exports are background jobs on the node: a request is recorded while the node prepares the
 * archive (`preparing`, no expiry or counts yet) and completed when a poll finds it ready (or
 * failed). One record per node job, so asking twice while it prepares records it once.
 */
export class ExportJobs1765300000000 implements MigrationInterface {
  name = 'ExportJobs1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE export_requests
        ADD COLUMN state text NOT NULL DEFAULT 'ready' CHECK (state IN ('preparing', 'ready', 'failed')),
        ALTER COLUMN expires_at DROP NOT NULL,
        ALTER COLUMN conversations DROP NOT NULL,
        ALTER COLUMN messages DROP NOT NULL,
        ALTER COLUMN bytes DROP NOT NULL`);
    await db.query(`ALTER TABLE export_requests ALTER COLUMN state DROP DEFAULT`);
    await db.query(
      `CREATE UNIQUE INDEX export_requests_node_export_idx ON export_requests (workspace_id, node_export_id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX export_requests_node_export_idx`);
    await db.query(`DELETE FROM export_requests WHERE state <> 'ready'`);
    await db.query(`
      ALTER TABLE export_requests
        DROP COLUMN state,
        ALTER COLUMN expires_at SET NOT NULL,
        ALTER COLUMN conversations SET NOT NULL,
        ALTER COLUMN messages SET NOT NULL,
        ALTER COLUMN bytes SET NOT NULL`);
  }
}
