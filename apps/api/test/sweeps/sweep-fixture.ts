import { randomUUID } from 'node:crypto';
import { DEFAULT_WIDGET_SETTINGS } from '@enclave/node-protocol';
import { type AgentsWorkspace, alnum, startAgentsWorkspace, telegramToken } from '../agents-workspace';
import { startStripeSandbox } from '../billing';
import { signInByEmail } from '../sign-in';

/** Real ids of the owner's objects, by the path param names the API's routes use. */
export type PathIds = Record<string, string>;

export interface SweepFixture {
  readonly f: AgentsWorkspace;
  readonly staffCookie: string;
  /** The owner's workspace and its objects: what another workspace's member must never reach. */
  readonly ids: PathIds;
  /** The user id of the workspace's admin (a target for member changes). */
  readonly adminUserId: string;
  readonly memberUserId: string;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** The contents of every table and the audit chain's head: compared before and after a sweep. */
  snapshot(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface CallOptions {
  readonly cookie?: string;
  /** Sent as JSON unless `raw` is given. */
  readonly body?: unknown;
  readonly raw?: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly location: string | null;
}

/** Fills `:name` params with the fixture's real ids; `raw` puts one param's value as given (already encoded). */
export function fillPath(path: string, ids: PathIds, raw?: { name: string; value: string }): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    if (raw?.name === name) return raw.value;
    const id = ids[name];
    if (id === undefined) throw new Error(`no id for path param :${name} (${path}): add one to the sweep fixture`);
    return encodeURIComponent(id);
  });
}

/** Is `body` the API's error shape: `{ error: { code, message } }`? */
export function isErrorShape(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/**
 * The agents workspace (owner, admin, member, outsider, enrolled node, agent, Telegram channel)
 * plus one of each other object a route can address: API key, webhook endpoint, invitation,
 * workspace and account exports; and a staff user.
 */
export async function startSweepFixture(): Promise<SweepFixture> {
  // Billing on (Stripe stand-in), so the Stripe webhook route checks signatures rather than answering 503.
  const stripe = await startStripeSandbox();
  const f = await startAgentsWorkspace({ env: stripe.env });
  const { api } = f.h;
  const as = (cookie: string) => ({ cookie, origin: api.url });
  const post = async (path: string, cookie: string, body: unknown) => {
    const res = await send(api.url, 'POST', path, { ...as(cookie), body });
    if (res.status >= 300) throw new Error(`sweep set-up ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const staffCookie = await signInByEmail(api, 'staff@enclave.test');
  const key = await post(`${f.ws}/api-keys`, f.adminCookie, { name: 'Sweep key', agentId: f.agentId });
  const endpoint = await post(`${f.ws}/webhooks`, f.adminCookie, {
    url: 'https://hooks.example.com/enclave',
    events: ['message.received'],
  });
  await post(`${f.ws}/members`, f.adminCookie, { email: `invitee-${alnum(6)}@example.com`.toLowerCase() });
  const workspaceExport = await post(`${f.ws}/exports`, f.owner.cookie, {});
  await post('/api/account/exports', f.owner.cookie, {});
  const one = async (sql: string, params: unknown[]) =>
    ((await api.dataSource.query(sql, params)) as Array<{ id: string }>)[0]?.id ?? randomUUID();
  const ownerId = await one('SELECT id FROM users WHERE email = $1', [f.owner.email]);
  const userIdOf = async (cookie: string) =>
    ((await send(api.url, 'GET', '/api/me', as(cookie))).body as { id: string }).id;
  const ids: PathIds = {
    id: f.owner.workspaceId,
    agentId: f.agentId,
    channelId: f.channelId,
    keyId: (key.apiKey as { id: string } | undefined)?.id ?? String(key.id),
    endpointId: (endpoint.endpoint as { id: string }).id,
    invitationId: await one('SELECT id FROM invitations WHERE workspace_id = $1', [f.owner.workspaceId]),
    exportId: String((workspaceExport.export as { id?: string } | undefined)?.id ?? workspaceExport.id),
    conversationId: `tg-${alnum(8)}`,
    kind: 'openai_api_key',
    userId: ownerId,
    identityId: await one('SELECT id FROM identities WHERE user_id = $1', [ownerId]),
    sessionId: await one('SELECT id FROM sessions WHERE user_id = $1', [ownerId]),
    nodeId: f.nodeId,
    hostId: randomUUID(),
    upgradeId: randomUUID(),
  };
  const accountExportId = await one('SELECT id FROM account_exports WHERE user_id = $1', [ownerId]);
  const tables = (
    (await api.dataSource.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )) as Array<{ tablename: string }>
  ).map((t) => t.tablename);

  return {
    f,
    staffCookie,
    ids: { ...ids, accountExportId },
    adminUserId: await userIdOf(f.adminCookie),
    memberUserId: await userIdOf(f.memberCookie),
    call: (method, path, options = {}) => send(api.url, method, path, { ...options, origin: api.url }),
    async snapshot() {
      // Each table's rows hashed (order-independent): an edit in place shows, not only a new row.
      const contents = tables
        .map(
          (t) =>
            `(SELECT md5(coalesce(string_agg(md5(r::text), '' ORDER BY md5(r::text)), '')) FROM "${t}" r) AS "${t}"`,
        )
        .join(', ');
      const [row] = (await api.dataSource.query(
        `SELECT ${contents}, (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1) AS audit_head`,
      )) as Array<Record<string, string>>;
      return row;
    },
    async close() {
      await f.close();
      await stripe.sandbox.close();
    },
  };
}

/** One request over real HTTP, as the dashboard would send it (same origin). */
async function send(
  base: string,
  method: string,
  path: string,
  options: CallOptions & { origin: string },
): Promise<Answer> {
  const headers: Record<string, string> = { origin: options.origin, ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a redirect, the CSV export, the docs page): kept as text.
  }
  return { status: res.status, body: parsed, location: res.headers.get('location') };
}

/** Valid bodies for state-changing routes, so that a refusal can only come from access control. */
export function validBody(key: string, x: SweepFixture): unknown {
  const { f, ids } = x;
  const bodies: Record<string, unknown> = {
    'POST /api/workspaces': { name: 'Sweep', slug: `sweep-${alnum(6).toLowerCase()}` },
    'PATCH /api/workspaces/:id': { name: 'Renamed by the sweep' },
    'POST /api/workspaces/:id/members': { email: `new-${alnum(6)}@example.com`.toLowerCase(), role: 'member' },
    'PATCH /api/workspaces/:id/members/:userId': { role: 'member' },
    'POST /api/workspaces/:id/transfer-ownership': { userId: x.adminUserId },
    'PATCH /api/account': { name: 'Sweep' },
    'DELETE /api/account': { confirmEmail: f.owner.email },
    'POST /api/account/email': { email: `moved-${alnum(6)}@example.com`.toLowerCase() },
    'POST /api/workspaces/:id/checkout': { planId: 'monthly' },
    'POST /api/staff/hosts': { name: 'h1', address: '127.0.0.1', hostKeyFingerprint: `SHA256:${alnum(43)}` },
    'POST /api/staff/fleet/upgrades': {},
    'POST /api/workspaces/:id/agents': { name: 'X', provider: 'openai', model: 'gpt-4o-mini' },
    'PATCH /api/workspaces/:id/agents/:agentId': { enabled: false },
    'POST /api/workspaces/:id/api-keys': { name: 'K', agentId: ids.agentId },
    'POST /api/workspaces/:id/channels': { type: 'telegram', agentId: ids.agentId, botToken: telegramToken() },
    'PATCH /api/workspaces/:id/channels/:channelId': { enabled: false },
    'PUT /api/workspaces/:id/channels/:channelId/credentials': { botToken: telegramToken() },
    'POST /api/workspaces/:id/webhooks': { url: 'https://hooks.example.com/b', events: ['message.sent'] },
    'PATCH /api/workspaces/:id/webhooks/:endpointId': { enabled: false },
    'PUT /api/workspaces/:id/transcripts': {
      enabled: true,
      provider: 'resend',
      from: 'bot@example.com',
      recipients: ['team@example.com'],
      idleMinutes: 30,
      credential: `re_${alnum(24)}`,
    },
    'PUT /api/workspaces/:id/widget': { agentId: ids.agentId, settings: DEFAULT_WIDGET_SETTINGS },
    'PUT /api/workspaces/:id/secrets/:kind': { value: `sk-sweep${alnum(30)}` },
    'PUT /api/workspaces/:id/retention': { days: 90 },
  };
  return bodies[key] ?? {};
}
