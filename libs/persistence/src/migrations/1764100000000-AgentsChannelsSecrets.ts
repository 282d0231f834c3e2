import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents, channels, secret records (metadata only), pending secret deliveries (encrypted,
 * short TTL), the per-workspace node settings we push, daily usage counters and export
 * requests. Nothing here holds conversation content or a secret in clear
 * (docs/data-placement.md).
 */
export class AgentsChannelsSecrets1764100000000 implements MigrationInterface {
  name = 'AgentsChannelsSecrets1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        instructions text NOT NULL DEFAULT '' CHECK (char_length(instructions) <= 8000),
        provider text NOT NULL CHECK (provider IN ('openai', 'anthropic')),
        model text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 100),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX agents_workspace_idx ON agents (workspace_id, created_at)`);
    await db.query(`
      CREATE TABLE channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        agent_id uuid NOT NULL REFERENCES agents(id),
        type text NOT NULL CHECK (type IN ('telegram', 'whatsapp')),
        enabled boolean NOT NULL DEFAULT true,
        telegram_bot_id text,
        telegram_bot_username text,
        whatsapp_phone_number_id text CHECK (whatsapp_phone_number_id ~ '^[0-9]{5,20}$'),
        whatsapp_display_phone_number text,
        whatsapp_verify_token text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (type <> 'whatsapp' OR (whatsapp_phone_number_id IS NOT NULL AND whatsapp_verify_token IS NOT NULL))
      )`);
    await db.query(`CREATE INDEX channels_workspace_idx ON channels (workspace_id, created_at)`);
    await db.query(`
      CREATE TABLE secret_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        kind text NOT NULL CHECK (kind IN ('openai_api_key', 'anthropic_api_key', 'telegram_bot_token', 'whatsapp_access_token', 'whatsapp_app_secret')),
        scope text NOT NULL,
        mask text NOT NULL CHECK (char_length(mask) <= 16),
        fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'expired')),
        validated_at timestamptz NOT NULL,
        delivered_at timestamptz,
        rotated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, kind, scope)
      )`);
    await db.query(`
      CREATE TABLE pending_secret_deliveries (
        secret_record_id uuid PRIMARY KEY REFERENCES secret_records(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        sealed text NOT NULL CHECK (sealed LIKE 'v1.%'),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (expires_at <= created_at + interval '1 hour')
      )`);
    await db.query(`CREATE INDEX pending_secret_deliveries_expiry_idx ON pending_secret_deliveries (expires_at)`);
    await db.query(`
      CREATE TABLE workspace_node_settings (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id),
        config_revision int NOT NULL DEFAULT 0,
        applied_revision int,
        config_applied_at timestamptz,
        retention_days int CHECK (retention_days BETWEEN 1 AND 3650),
        retention_applied_at timestamptz,
        suspended boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE usage_daily (
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        day date NOT NULL,
        channel text NOT NULL CHECK (channel IN ('telegram', 'whatsapp', 'model')),
        inbound int NOT NULL DEFAULT 0 CHECK (inbound >= 0),
        outbound int NOT NULL DEFAULT 0 CHECK (outbound >= 0),
        failures int NOT NULL DEFAULT 0 CHECK (failures >= 0),
        provider_errors int NOT NULL DEFAULT 0 CHECK (provider_errors >= 0),
        fallback_replies int NOT NULL DEFAULT 0 CHECK (fallback_replies >= 0),
        PRIMARY KEY (workspace_id, day, channel)
      )`);
    await db.query(`
      CREATE TABLE export_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        requested_by uuid NOT NULL REFERENCES users(id),
        node_export_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        conversations int NOT NULL,
        messages int NOT NULL,
        bytes bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX export_requests_workspace_idx ON export_requests (workspace_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE export_requests`);
    await db.query(`DROP TABLE usage_daily`);
    await db.query(`DROP TABLE workspace_node_settings`);
    await db.query(`DROP TABLE pending_secret_deliveries`);
    await db.query(`DROP TABLE secret_records`);
    await db.query(`DROP TABLE channels`);
    await db.query(`DROP TABLE agents`);
  }
}
