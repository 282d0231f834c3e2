import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WhatsApp's 24-hour customer-service window (issue 13). A WhatsApp channel may name the approved
 * message template the node sends once the window is closed (name + language code, both or
 * neither; not secret). `usage_daily.window_closed` counts, on the `whatsapp` rows, the messages
 * the node did not send as written because the window was closed. Counts only.
 */
export class WhatsAppWindow1764420000000 implements MigrationInterface {
  name = 'WhatsAppWindow1764420000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE channels
        ADD COLUMN whatsapp_template_name text,
        ADD COLUMN whatsapp_template_language text,
        ADD CONSTRAINT channels_whatsapp_template_check
          CHECK ((whatsapp_template_name IS NULL) = (whatsapp_template_language IS NULL)
                 AND (whatsapp_template_name IS NULL OR type = 'whatsapp'))`);
    await db.query(
      `ALTER TABLE usage_daily ADD COLUMN window_closed int NOT NULL DEFAULT 0 CHECK (window_closed >= 0)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE usage_daily DROP COLUMN window_closed`);
    await db.query(`
      ALTER TABLE channels
        DROP CONSTRAINT channels_whatsapp_template_check,
        DROP COLUMN whatsapp_template_language,
        DROP COLUMN whatsapp_template_name`);
  }
}
