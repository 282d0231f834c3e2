import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Provisioning1764090000000 implements MigrationInterface {
  name = 'Provisioning1764090000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE hosts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider text NOT NULL CHECK (provider IN ('pool', 'ovhcloud')),
        name text NOT NULL UNIQUE,
        address text NOT NULL,
        ssh_port int NOT NULL DEFAULT 22 CHECK (ssh_port BETWEEN 1 AND 65535),
        ssh_user text NOT NULL DEFAULT 'root',
        host_key_fingerprint text CHECK (host_key_fingerprint ~ '^SHA256:[A-Za-z0-9+/]{43}$'),
        install_root text NOT NULL DEFAULT '/opt/enclave' CHECK (install_root ~ '^/[A-Za-z0-9._/-]+$' AND install_root <> '/' AND install_root !~ '(^|/)\\.\\.(/|$)'),
        node_port int NOT NULL DEFAULT 8080 CHECK (node_port BETWEEN 1 AND 65535),
        public_port int NOT NULL DEFAULT 443 CHECK (public_port BETWEEN 1 AND 65535),
        status text NOT NULL CHECK (status IN ('creating', 'free', 'allocated', 'wiping', 'retired')),
        workspace_id uuid UNIQUE REFERENCES workspaces(id),
        external_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status NOT IN ('free', 'allocated') OR host_key_fingerprint IS NOT NULL),
        CHECK ((status = 'allocated') = (workspace_id IS NOT NULL) OR status IN ('wiping', 'creating'))
      )`);
    // Allocation takes the oldest free host: SELECT … WHERE status = 'free' … FOR UPDATE SKIP LOCKED.
    await db.query(`CREATE INDEX hosts_free_idx ON hosts (provider, created_at) WHERE status = 'free'`);
    await db.query(`
      CREATE TABLE nodes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        host_id uuid REFERENCES hosts(id),
        status text NOT NULL CHECK (status IN ('installing', 'enrolled', 'healthy', 'degraded', 'offline', 'wiped')),
        enrolment_token_hash text,
        public_key text,
        public_base_url text,
        bundle_version text,
        reported_version text,
        enrolled_at timestamptz,
        last_heartbeat_at timestamptz,
        reported_state text,
        health jsonb,
        dns_record_id text,
        certificate_id text,
        certificate_expires_at timestamptz,
        wipe_receipt jsonb,
        wiped_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One live node per workspace; wiped ones stay as records (retention schedule).
    await db.query(`CREATE UNIQUE INDEX nodes_one_live_per_workspace ON nodes (workspace_id) WHERE status <> 'wiped'`);
    await db.query(`
      CREATE TABLE provisioning_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id),
        action text NOT NULL CHECK (action IN ('provision', 'deprovision')),
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'canceled')),
        attempts int NOT NULL DEFAULT 0,
        error text,
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A rerun (retry, resume after a crash) continues the unfinished run instead of starting another.
    await db.query(
      `CREATE UNIQUE INDEX provisioning_runs_one_open ON provisioning_runs (workspace_id, action) WHERE status IN ('running', 'failed')`,
    );
    await db.query(`CREATE INDEX provisioning_runs_workspace_idx ON provisioning_runs (workspace_id, created_at DESC)`);
    await db.query(`
      CREATE TABLE provisioning_steps (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES provisioning_runs(id) ON DELETE CASCADE,
        name text NOT NULL,
        position int NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        started_at timestamptz,
        finished_at timestamptz,
        log text NOT NULL DEFAULT '',
        error text,
        UNIQUE (run_id, name)
      )`);
    await db.query(`
      CREATE TABLE fleet_upgrades (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version text,
        batch_size int NOT NULL CHECK (batch_size BETWEEN 1 AND 100),
        node_ids jsonb,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        results jsonb NOT NULL DEFAULT '[]',
        requested_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE fleet_upgrades`);
    await db.query(`DROP TABLE provisioning_steps`);
    await db.query(`DROP TABLE provisioning_runs`);
    await db.query(`DROP TABLE nodes`);
    await db.query(`DROP TABLE hosts`);
  }
}
