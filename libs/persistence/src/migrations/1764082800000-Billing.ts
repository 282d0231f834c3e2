import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Billing1764082800000 implements MigrationInterface {
  name = 'Billing1764082800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE billing_accounts (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        stripe_customer_id text NOT NULL UNIQUE,
        grace_ends_at timestamptz,
        deprovision_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE billing_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        stripe_customer_id text NOT NULL REFERENCES billing_accounts(stripe_customer_id),
        stripe_subscription_id text NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
        plan_id text,
        stripe_price_id text,
        current_period_end timestamptz,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        last_event_created timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX billing_subscriptions_workspace_idx ON billing_subscriptions (workspace_id)`);
    // No foreign key to workspaces: an event is kept even when it names nothing of ours.
    await db.query(`
      CREATE TABLE stripe_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        stripe_created_at timestamptz NOT NULL,
        workspace_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('processed', 'ignored')),
        note text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX stripe_events_workspace_idx ON stripe_events (workspace_id, received_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stripe_events`);
    await db.query(`DROP TABLE billing_subscriptions`);
    await db.query(`DROP TABLE billing_accounts`);
  }
}
