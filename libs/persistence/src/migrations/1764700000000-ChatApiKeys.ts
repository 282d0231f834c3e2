import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Replaces the secret kinds check with `kinds(current)`: other migrations widen it too, so it is read, not restated. */
async function rewriteKindCheck(db: QueryRunner, kinds: (current: string[]) => string[]): Promise<void> {
  const [row] = (await db.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'secret_records_kind_check'`,
  )) as { def: string }[];
  const current = [...(row?.def ?? '').matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
  const list = kinds(current)
    .map((k) => `'${k}'`)
    .join(', ');
  await db.query(`ALTER TABLE secret_records DROP CONSTRAINT secret_records_kind_check`);
  await db.query(`ALTER TABLE secret_records ADD CONSTRAINT secret_records_kind_check CHECK (kind IN (${list}))`);
}

/**
 * The node's OpenAI-compatible chat API: its keys as metadata (mask, fingerprint, settings,
 * times — never the key or its hash), the hash's secret kind, and token counts in usage.
 */
export class ChatApiKeys1764700000000 implements MigrationInterface {
  name = 'ChatApiKeys1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        mask text NOT NULL,
        fingerprint text NOT NULL,
        history boolean NOT NULL,
        requests_per_minute integer NOT NULL CHECK (requests_per_minute BETWEEN 1 AND 6000),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at)`);
    await rewriteKindCheck(db, (kinds) => [...kinds.filter((k) => k !== 'chat_api_key'), 'chat_api_key']);
    await db.query(`ALTER TABLE usage_daily ADD COLUMN tokens_in bigint NOT NULL DEFAULT 0`);
    await db.query(`ALTER TABLE usage_daily ADD COLUMN tokens_out bigint NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE usage_daily DROP COLUMN tokens_out`);
    await db.query(`ALTER TABLE usage_daily DROP COLUMN tokens_in`);
    await db.query(`DELETE FROM secret_records WHERE kind = 'chat_api_key'`);
    await rewriteKindCheck(db, (kinds) => kinds.filter((k) => k !== 'chat_api_key'));
    await db.query(`DROP TABLE api_keys`);
  }
}
