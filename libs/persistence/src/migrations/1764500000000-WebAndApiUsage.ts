import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The website widget (channel `web`) and the chat API (channel `api`) report their daily
 * counts like Telegram and WhatsApp do: `usage_daily` accepts both channels. Counts only.
 */
export class WebAndApiUsage1764500000000 implements MigrationInterface {
  name = 'WebAndApiUsage1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_channel_check`);
    await db.query(`
      ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_channel_check
        CHECK (channel IN ('telegram', 'whatsapp', 'web', 'api', 'model', 'inbox'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM usage_daily WHERE channel IN ('web', 'api')`);
    await db.query(`ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_channel_check`);
    await db.query(`
      ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_channel_check
        CHECK (channel IN ('telegram', 'whatsapp', 'model', 'inbox'))`);
  }
}
