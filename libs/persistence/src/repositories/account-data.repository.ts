import type { EntityManager } from 'typeorm';

/**
 * Everything the control plane holds about one user, as plain JSON-ready rows (the "Download my
 * data" export). Never a token or a token hash: sessions are listed by metadata. Nothing about
 * other people: no co-members, and not the addresses of invitations the user sent.
 * The SQL stays visible: each query names exactly the columns that leave the database.
 */
export interface AccountData {
  account: Record<string, unknown>;
  identities: Record<string, unknown>[];
  sessions: Record<string, unknown>[];
  memberships: Record<string, unknown>[];
  ownedWorkspaces: Record<string, unknown>[];
  emailChangeRequests: Record<string, unknown>[];
  auditEvents: Record<string, unknown>[];
}

type Rows = Record<string, unknown>[];

async function rows(manager: EntityManager, sql: string, params: unknown[]): Promise<Rows> {
  return (await manager.query(sql, params)) as Rows;
}

export async function collectAccountData(manager: EntityManager, userId: string): Promise<AccountData> {
  const [account] = await rows(
    manager,
    `SELECT id, email, name, avatar_url AS "avatarUrl", is_staff AS "isStaff", marketing_opt_in AS "marketingOptIn",
            marketing_consent_at AS "marketingConsentAt", created_at AS "createdAt", updated_at AS "updatedAt"
     FROM users WHERE id = $1 AND deleted_at IS NULL`,
    [userId],
  );
  if (!account) throw new Error('no such user');
  const identities = await rows(
    manager,
    `SELECT id, provider, subject, email, created_at AS "createdAt", last_used_at AS "lastUsedAt"
     FROM identities WHERE user_id = $1 ORDER BY created_at`,
    [userId],
  );
  const sessions = await rows(
    manager,
    `SELECT id, ip, user_agent AS "userAgent", created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt"
     FROM sessions WHERE user_id = $1 ORDER BY created_at`,
    [userId],
  );
  const memberships = await rows(
    manager,
    `SELECT m.workspace_id AS "workspaceId", w.name AS "workspaceName", w.slug AS "workspaceSlug", m.role,
            m.created_at AS "joinedAt"
     FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 ORDER BY m.created_at`,
    [userId],
  );
  const ownedWorkspaces = await rows(
    manager,
    `SELECT w.id, w.name, w.slug, w.status, w.created_at AS "createdAt", w.deleted_at AS "deletedAt",
            (SELECT json_build_object('stripeCustomerId', b.stripe_customer_id, 'graceEndsAt', b.grace_ends_at,
                                      'deprovisionAt', b.deprovision_at, 'createdAt', b.created_at)
             FROM billing_accounts b WHERE b.workspace_id = w.id) AS "billingAccount",
            COALESCE((SELECT json_agg(json_build_object('stripeSubscriptionId', s.stripe_subscription_id,
                        'status', s.status, 'planId', s.plan_id, 'currentPeriodEnd', s.current_period_end,
                        'cancelAtPeriodEnd', s.cancel_at_period_end, 'createdAt', s.created_at) ORDER BY s.created_at)
             FROM billing_subscriptions s WHERE s.workspace_id = w.id), '[]'::json) AS "subscriptions"
     FROM workspaces w JOIN memberships m ON m.workspace_id = w.id AND m.user_id = $1 AND m.role = 'owner'
     ORDER BY w.created_at`,
    [userId],
  );
  const emailChangeRequests = await rows(
    manager,
    `SELECT id, new_email AS "newEmail", created_at AS "createdAt", expires_at AS "expiresAt", used_at AS "usedAt"
     FROM email_change_requests WHERE user_id = $1 ORDER BY created_at`,
    [userId],
  );
  const auditEvents = await rows(
    manager,
    `SELECT id, occurred_at AS "occurredAt", actor_type AS "actorType", workspace_id AS "workspaceId", action,
            target_type AS "targetType", target_id AS "targetId", ip, user_agent AS "userAgent", outcome, details
     FROM audit_events WHERE actor_id = $1 ORDER BY id`,
    [userId],
  );
  return {
    account,
    identities,
    sessions,
    memberships,
    ownedWorkspaces,
    emailChangeRequests,
    auditEvents,
  };
}

/** Workspaces that still exist and whose only owner is this user: an account cannot be deleted while there are any. */
export async function soleOwnedWorkspaces(
  manager: EntityManager,
  userId: string,
): Promise<Array<{ id: string; name: string }>> {
  return (await manager.query(
    `SELECT w.id, w.name FROM workspaces w
     JOIN memberships m ON m.workspace_id = w.id AND m.user_id = $1 AND m.role = 'owner'
     WHERE w.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM memberships o
                       WHERE o.workspace_id = w.id AND o.role = 'owner' AND o.user_id <> $1)
     ORDER BY w.created_at`,
    [userId],
  )) as Array<{ id: string; name: string }>;
}

/**
 * Erases a user's personal data in the caller's transaction: sign-in methods, sessions, sign-in
 * and email-change links, invitations to their addresses, exports and memberships are deleted,
 * and the user row becomes a tombstone (no email, name or avatar) so the ids that audit events,
 * invitations and export records keep stay pseudonymous references. Returns what was removed.
 */
export async function eraseAccountData(
  manager: EntityManager,
  userId: string,
): Promise<{ sessions: number; identities: number; memberships: number }> {
  const addresses = (
    (await manager.query(
      `SELECT email FROM users WHERE id = $1
       UNION SELECT email FROM identities WHERE user_id = $1
       UNION SELECT new_email FROM email_change_requests WHERE user_id = $1`,
      [userId],
    )) as Array<{ email: string }>
  ).map((row) => row.email);
  const count = async (sql: string, params: unknown[]): Promise<number> =>
    ((await manager.query(sql, params)) as [unknown[], number])[1];
  await manager.query(`DELETE FROM magic_link_tokens WHERE email = ANY($1::text[])`, [addresses]);
  await manager.query(`DELETE FROM invitations WHERE email = ANY($1::text[])`, [addresses]);
  await manager.query(`DELETE FROM email_change_requests WHERE user_id = $1`, [userId]);
  await manager.query(`DELETE FROM account_exports WHERE user_id = $1`, [userId]);
  const identities = await count(`DELETE FROM identities WHERE user_id = $1`, [userId]);
  const sessions = await count(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
  const memberships = await count(`DELETE FROM memberships WHERE user_id = $1`, [userId]);
  await manager.query(
    `UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', name = NULL, avatar_url = NULL,
            is_staff = false, marketing_opt_in = false, marketing_consent_at = NULL, unsubscribe_token = NULL,
            deleted_at = now(), updated_at = now()
     WHERE id = $1`,
    [userId],
  );
  return { sessions, identities, memberships };
}
