import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customer's own privacy rights (issue 20): marketing consent and its unsubscribe token on
 * users, account deletion (a user row becomes a tombstone: `deleted_at`, no email or name), Sign
 * in with Apple identities, email changes confirmed by a link to the new address, and the
 * account data exports the worker builds (a zip kept until its link expires).
 */
export class AccountPrivacy1764800000000 implements MigrationInterface {
  name = 'AccountPrivacy1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN marketing_opt_in boolean NOT NULL DEFAULT false,
        ADD COLUMN marketing_consent_at timestamptz,
        ADD COLUMN unsubscribe_token text UNIQUE,
        ADD COLUMN deleted_at timestamptz`);
    await db.query(`ALTER TABLE identities DROP CONSTRAINT identities_provider_check`);
    await db.query(`
      ALTER TABLE identities ADD CONSTRAINT identities_provider_check
        CHECK (provider IN ('github', 'google', 'email', 'apple'))`);
    // The sign-up form's marketing box travels with the magic link it asked for.
    await db.query(`ALTER TABLE magic_link_tokens ADD COLUMN marketing_opt_in boolean NOT NULL DEFAULT false`);
    await db.query(`
      CREATE TABLE email_change_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        new_email text NOT NULL CHECK (new_email = lower(new_email)),
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX email_change_requests_user_idx ON email_change_requests (user_id, created_at)`);
    await db.query(`
      CREATE TABLE account_exports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
        archive bytea,
        bytes integer,
        sha256 text,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await db.query(`CREATE INDEX account_exports_user_idx ON account_exports (user_id, created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE account_exports`);
    await db.query(`DROP TABLE email_change_requests`);
    await db.query(`ALTER TABLE magic_link_tokens DROP COLUMN marketing_opt_in`);
    await db.query(`DELETE FROM identities WHERE provider = 'apple'`);
    await db.query(`ALTER TABLE identities DROP CONSTRAINT identities_provider_check`);
    await db.query(`
      ALTER TABLE identities ADD CONSTRAINT identities_provider_check
        CHECK (provider IN ('github', 'google', 'email'))`);
    await db.query(`
      ALTER TABLE users
        DROP COLUMN marketing_opt_in, DROP COLUMN marketing_consent_at,
        DROP COLUMN unsubscribe_token, DROP COLUMN deleted_at`);
  }
}
