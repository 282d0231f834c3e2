import type { INestApplication } from '@nestjs/common';

/**
 * Who may call a route, as the proof sweeps expect it:
 * - `public`: anyone, by design (health, plans, sign-in entry points, the API docs);
 * - `link`: anyone holding the token a link carries (magic link, e-mail confirmation,
 *   unsubscribe, OAuth callbacks); without it the route refuses or sends the browser to an error;
 * - `signed`: only a caller proving itself by signature (Stripe, agent nodes, Apple's form_post,
 *   mail clients' one-click unsubscribe), never by a session cookie;
 * - `user`: any signed-in user, on their own account only;
 * - `member` / `admin` / `owner`: at least that role in the workspace of the `:id` path param;
 * - `staff`: staff only;
 * - `fallback`: the catch-all that answers 404 to every unknown /api path.
 */
export type Access = 'public' | 'link' | 'signed' | 'user' | 'member' | 'admin' | 'owner' | 'staff' | 'fallback';

export interface ServedRoute {
  readonly method: string;
  readonly path: string;
}

/**
 * Every route the API serves, read from Express's router (not from a list kept by hand): Nest's
 * routes, and as `USE <path>` what is mounted beside them (the docs' static files, bull-board),
 * which answers every verb under its path.
 */
export function servedRoutes(app: INestApplication): ServedRoute[] {
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
    rawPath?: string;
  }
  const express = app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
  const seen = new Map<string, ServedRoute>();
  for (const { route, rawPath } of express.router.stack) {
    if (!route) {
      // Middleware for every path ('/': parsers, helmet) is not a route.
      if (rawPath && rawPath !== '/') seen.set(`USE ${rawPath}`, { method: 'USE', path: rawPath });
      continue;
    }
    const methods = Object.keys(route.methods);
    // A handler for (nearly) every verb is a catch-all (`app.all`), listed once as ALL.
    for (const method of methods.length > 10 ? ['ALL'] : methods.map((m) => m.toUpperCase())) {
      seen.set(`${method} ${route.path}`, { method, path: route.path });
    }
  }
  return [...seen.values()];
}

export const routeKey = (r: ServedRoute) => `${r.method} ${r.path}`;

/** The expectation for every served route; a route missing here fails the sweeps. */
export const ROUTE_ACCESS: Record<string, Access> = {
  'ALL /api': 'fallback',
  'ALL /api/{*path}': 'fallback',
  'USE /api/docs': 'public',
  'USE /api/docs/docs': 'public',
  'USE /api/staff/queues': 'staff',
  'GET /api/docs': 'public',
  'GET /api/docs/': 'public',
  'GET /api/docs/index.html': 'public',
  'GET /api/docs/LICENSE': 'public',
  'GET /api/docs/swagger-ui-init.js': 'public',
  'GET /api/docs/docs/swagger-ui-init.js': 'public',
  'GET /api/docs/openapi.json': 'public',
  'GET /api/docs-yaml': 'public',
  'GET /api/health': 'public',
  'GET /api/plans': 'public',
  'GET /api/auth/providers': 'public',
  'GET /api/auth/github': 'public',
  'GET /api/auth/google': 'public',
  'GET /api/auth/apple': 'public',
  'POST /api/auth/email': 'public',
  'GET /api/auth/github/callback': 'link',
  'GET /api/auth/google/callback': 'link',
  'GET /api/auth/email/callback': 'link',
  'GET /api/account/email/confirm': 'link',
  'GET /api/unsubscribe': 'link',
  'POST /api/unsubscribe': 'signed',
  'POST /api/auth/apple/callback': 'signed',
  'POST /api/stripe/webhook': 'signed',
  'POST /api/v1/nodes/enrol': 'signed',
  'POST /api/v1/nodes/:nodeId/heartbeats': 'signed',
  'POST /api/auth/logout': 'user',
  'POST /api/auth/logout-all': 'user',
  'GET /api/me': 'user',
  'GET /api/account': 'user',
  'PATCH /api/account': 'user',
  'DELETE /api/account': 'user',
  'POST /api/account/email': 'user',
  'DELETE /api/account/identities/:identityId': 'user',
  'DELETE /api/account/sessions/:sessionId': 'user',
  'POST /api/account/exports': 'user',
  'GET /api/account/exports': 'user',
  'GET /api/account/exports/:exportId/download': 'user',
  'GET /api/workspaces': 'user',
  'POST /api/workspaces': 'user',
  'GET /api/workspaces/slug-availability': 'user',
  'GET /api/workspaces/:id': 'member',
  'PATCH /api/workspaces/:id': 'admin',
  'DELETE /api/workspaces/:id': 'owner',
  'GET /api/workspaces/:id/members': 'member',
  'POST /api/workspaces/:id/members': 'admin',
  'PATCH /api/workspaces/:id/members/:userId': 'admin',
  'DELETE /api/workspaces/:id/members/:userId': 'admin',
  'POST /api/workspaces/:id/transfer-ownership': 'owner',
  'DELETE /api/workspaces/:id/invitations/:invitationId': 'admin',
  'GET /api/workspaces/:id/audit-events': 'member',
  'GET /api/workspaces/:id/billing': 'member',
  'POST /api/workspaces/:id/checkout': 'admin',
  'POST /api/workspaces/:id/billing-portal': 'admin',
  'GET /api/workspaces/:id/provisioning': 'member',
  'GET /api/workspaces/:id/provisioning/events': 'member',
  'GET /api/workspaces/:id/agents': 'member',
  'POST /api/workspaces/:id/agents': 'admin',
  'GET /api/workspaces/:id/agents/:agentId': 'member',
  'PATCH /api/workspaces/:id/agents/:agentId': 'admin',
  'DELETE /api/workspaces/:id/agents/:agentId': 'owner',
  'GET /api/workspaces/:id/api-keys': 'member',
  'POST /api/workspaces/:id/api-keys': 'admin',
  'POST /api/workspaces/:id/api-keys/:keyId/revoke': 'admin',
  'GET /api/workspaces/:id/channels': 'member',
  'POST /api/workspaces/:id/channels': 'admin',
  'GET /api/workspaces/:id/channels/:channelId': 'member',
  'PATCH /api/workspaces/:id/channels/:channelId': 'admin',
  'PUT /api/workspaces/:id/channels/:channelId/credentials': 'admin',
  'DELETE /api/workspaces/:id/channels/:channelId': 'owner',
  'GET /api/workspaces/:id/webhooks': 'member',
  'POST /api/workspaces/:id/webhooks': 'admin',
  'PATCH /api/workspaces/:id/webhooks/:endpointId': 'admin',
  'POST /api/workspaces/:id/webhooks/:endpointId/secret': 'admin',
  'DELETE /api/workspaces/:id/webhooks/:endpointId': 'admin',
  'GET /api/workspaces/:id/transcripts': 'member',
  'PUT /api/workspaces/:id/transcripts': 'admin',
  'GET /api/workspaces/:id/widget': 'member',
  'PUT /api/workspaces/:id/widget': 'admin',
  'POST /api/workspaces/:id/widget/identity-secret': 'admin',
  'GET /api/workspaces/:id/secrets': 'member',
  'PUT /api/workspaces/:id/secrets/:kind': 'admin',
  'DELETE /api/workspaces/:id/secrets/:kind': 'owner',
  'GET /api/workspaces/:id/node-health': 'member',
  'POST /api/workspaces/:id/node-sessions': 'member',
  'GET /api/workspaces/:id/usage': 'member',
  'POST /api/workspaces/:id/exports': 'member',
  'GET /api/workspaces/:id/exports': 'member',
  'GET /api/workspaces/:id/exports/:exportId': 'member',
  'POST /api/workspaces/:id/conversations/:conversationId/erase': 'owner',
  'GET /api/workspaces/:id/retention': 'member',
  'PUT /api/workspaces/:id/retention': 'admin',
  'GET /api/staff/audit-events': 'staff',
  'GET /api/staff/audit-events/export.csv': 'staff',
  'GET /api/staff/audit-events/chain': 'staff',
  'GET /api/staff/workspaces/:id/provisioning': 'staff',
  'POST /api/staff/workspaces/:id/provisioning/retry': 'staff',
  'POST /api/staff/workspaces/:id/deprovisioning/retry': 'staff',
  'POST /api/staff/workspaces/:id/suspend': 'staff',
  'POST /api/staff/workspaces/:id/resume': 'staff',
  'GET /api/staff/hosts': 'staff',
  'POST /api/staff/hosts': 'staff',
  'DELETE /api/staff/hosts/:hostId': 'staff',
  'GET /api/staff/fleet/nodes': 'staff',
  'POST /api/staff/fleet/upgrades': 'staff',
  'GET /api/staff/fleet/upgrades/:upgradeId': 'staff',
  'POST /api/staff/fleet/reconcile': 'staff',
};
