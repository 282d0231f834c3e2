import type { MigrationInterface, QueryRunner } from 'typeorm';

const REFUSE_ALL = `
  CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
  END $$`;

/**
 * The audit log's retention (docs/data-placement.md): events older than the retention period are
 * deleted from the start of the chain, oldest first, by the retention job only — the append-only
 * trigger lets a DELETE through when the transaction set `enclave.audit_retention` (UPDATE and
 * TRUNCATE stay refused). `audit_chain_anchor` keeps the hash the first remaining event links to,
 * so `npm run audit:verify` checks the rest of the chain from there; no event is ever rewritten.
 */
export class AuditRetention1764800000001 implements MigrationInterface {
  name = 'AuditRetention1764800000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_chain_anchor (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        first_kept_id bigint NOT NULL,
        prev_hash text NOT NULL,
        pruned_events bigint NOT NULL,
        pruned_before timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('enclave.audit_retention', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(REFUSE_ALL);
    await db.query(`DROP TABLE audit_chain_anchor`);
  }
}
