import type { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS = `'openai_api_key', 'anthropic_api_key', 'telegram_bot_token', 'whatsapp_access_token', 'whatsapp_app_secret'`;

/**
 * The website chat widget: one per workspace, settings as configuration metadata (no visitor
 * data), and its identity-verification secret as a secret record (mask + fingerprint only).
 */
export class Widgets1764600000000 implements MigrationInterface {
  name = 'Widgets1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE widgets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL UNIQUE REFERENCES workspaces(id),
        agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        enabled boolean NOT NULL DEFAULT true,
        settings jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`ALTER TABLE secret_records DROP CONSTRAINT secret_records_kind_check`);
    await db.query(`
      ALTER TABLE secret_records ADD CONSTRAINT secret_records_kind_check
        CHECK (kind IN (${KINDS}, 'widget_identity_secret'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM secret_records WHERE kind = 'widget_identity_secret'`);
    await db.query(`ALTER TABLE secret_records DROP CONSTRAINT secret_records_kind_check`);
    await db.query(`ALTER TABLE secret_records ADD CONSTRAINT secret_records_kind_check CHECK (kind IN (${KINDS}))`);
    await db.query(`DROP TABLE widgets`);
  }
}
