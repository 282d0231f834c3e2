import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which control-plane signing keys each node trusts, as the control plane last set them
 * (SHA-256 fingerprints of the public keys; docs/operations.md, "Key rotation"). NULL: only
 * the key written in the node's config at install.
 */
export class NodeTrustedKeys1764200000000 implements MigrationInterface {
  name = 'NodeTrustedKeys1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE nodes ADD COLUMN trusted_key_fingerprints text[]`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE nodes DROP COLUMN trusted_key_fingerprints`);
  }
}
