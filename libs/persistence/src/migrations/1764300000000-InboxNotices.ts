import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Team inbox on the node (issue 15). `nodes.last_inbox_notice_id`: the newest inbox notice
 * (the node's outbox sequence) the control plane processed, so a heartbeat sent again never
 * audits or notifies twice. `usage_daily` gains the inbox counts, on a row of its own per day
 * (`channel = 'inbox'`, like `model` for provider errors): conversations handed to people and
 * replies people sent. Counts only.
 */
export class InboxNotices1764300000000 implements MigrationInterface {
  name = 'InboxNotices1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE nodes ADD COLUMN last_inbox_notice_id bigint NOT NULL DEFAULT 0`);
    await db.query(`
      ALTER TABLE usage_daily
        ADD COLUMN handoffs int NOT NULL DEFAULT 0 CHECK (handoffs >= 0),
        ADD COLUMN human_replies int NOT NULL DEFAULT 0 CHECK (human_replies >= 0)`);
    await db.query(`ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_channel_check`);
    await db.query(`
      ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_channel_check
        CHECK (channel IN ('telegram', 'whatsapp', 'model', 'inbox'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM usage_daily WHERE channel = 'inbox'`);
    await db.query(`ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_channel_check`);
    await db.query(`
      ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_channel_check
        CHECK (channel IN ('telegram', 'whatsapp', 'model'))`);
    await db.query(`ALTER TABLE usage_daily DROP COLUMN human_replies, DROP COLUMN handoffs`);
    await db.query(`ALTER TABLE nodes DROP COLUMN last_inbox_notice_id`);
  }
}
