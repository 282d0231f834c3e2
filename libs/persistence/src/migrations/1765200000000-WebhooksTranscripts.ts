import type { MigrationInterface, QueryRunner } from 'typeorm';

const NEW_KINDS = ['webhook_signing_secret', 'email_provider_credential'];

/** The kinds the current `secret_records_kind_check` allows (other migrations widen it too). */
async function allowedKinds(db: QueryRunner): Promise<string[]> {
  const rows: { def: string }[] = await db.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'secret_records_kind_check'`,
  );
  return [...(rows[0]?.def ?? '').matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
}

async function setKinds(db: QueryRunner, kinds: string[]): Promise<void> {
  await db.query(`ALTER TABLE secret_records DROP CONSTRAINT secret_records_kind_check`);
  await db.query(
    `ALTER TABLE secret_records ADD CONSTRAINT secret_records_kind_check CHECK (kind IN (${kinds.map((k) => `'${k}'`).join(', ')}))`,
  );
}

/**
 * Outbound webhook endpoints and transcript mail settings: configuration only. Signing secrets
 * and the mail provider credential are secret records (mask + fingerprint); deliveries, their
 * log and transcripts live on the node.
 */
export class WebhooksTranscripts1765200000000 implements MigrationInterface {
  name = 'WebhooksTranscripts1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        url text NOT NULL CHECK (length(url) <= 2048),
        events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 6),
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints (workspace_id, created_at)`);
    await db.query(`
      CREATE TABLE transcript_settings (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id),
        enabled boolean NOT NULL,
        provider text NOT NULL CHECK (provider IN ('smtp', 'resend', 'postmark')),
        from_address text NOT NULL,
        recipients text[] NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 10),
        idle_minutes int CHECK (idle_minutes BETWEEN 5 AND 10080),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    const kinds = await allowedKinds(db);
    await setKinds(db, [...kinds, ...NEW_KINDS.filter((k) => !kinds.includes(k))]);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM secret_records WHERE kind IN (${NEW_KINDS.map((k) => `'${k}'`).join(', ')})`);
    await setKinds(
      db,
      (await allowedKinds(db)).filter((k) => !NEW_KINDS.includes(k)),
    );
    await db.query(`DROP TABLE transcript_settings`);
    await db.query(`DROP TABLE webhook_endpoints`);
  }
}
