import { NODE_SESSION_MAX_SECONDS, verifyNodeSession } from '@enclave/node-protocol';
import { type AgentsWorkspace, startAgentsWorkspace } from '../../test/agents-workspace';
import { databaseDump, redisDump } from '../../test/leak-scan';

interface OpenedEvent {
  actor_type: string;
  actor_id: string;
  target_id: string;
  details: Record<string, unknown>;
}

/** Node sessions: the token a member's browser shows the workspace's own node (the team inbox). */
describe('node sessions', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();
  const open = (cookie: string, body: unknown = {}, ws = f.ws) =>
    http()
      .post(`${ws}/node-sessions`)
      .set('Cookie', cookie)
      .send(body as object);
  const userId = async (cookie: string): Promise<string> =>
    (await http().get('/api/me').set('Cookie', cookie).expect(200)).body.id as string;
  const opened = async (actorId: string): Promise<OpenedEvent[]> =>
    (await f.h.api.dataSource.query(
      `SELECT actor_type, actor_id, target_id, details FROM audit_events
        WHERE workspace_id = $1 AND action = 'inbox.opened' AND actor_id = $2 ORDER BY id`,
      [f.owner.workspaceId, actorId],
    )) as OpenedEvent[];
  const dashboardOrigin = () => new URL(f.h.api.url).origin;
  const atNode = (token: string, origin?: string) =>
    fetch(`${f.node.url}/v1/inbox/conversations`, {
      headers: { authorization: `Bearer ${token}`, ...(origin ? { origin } : {}) },
    });

  beforeAll(async () => {
    f = await startAgentsWorkspace();
  });
  afterAll(() => f?.close());

  it('gives a member a short-lived token for the node, signed with the control-plane key, and the node URL', async () => {
    const memberId = await userId(f.memberCookie);
    const before = Date.now();
    const response = await open(f.memberCookie).expect(201);
    expect(Object.keys(response.body).sort()).toEqual(['expiresAt', 'nodeUrl', 'token']);
    expect(response.body.nodeUrl).toBe(f.node.url);
    const expiresAt = Date.parse(response.body.expiresAt);
    expect(expiresAt).toBeGreaterThan(before);
    expect(expiresAt).toBeLessThanOrEqual(before + NODE_SESSION_MAX_SECONDS * 1000 + 1000);
    const verdict = verifyNodeSession({
      token: response.body.token,
      publicKeys: [f.h.controlPlaneKeys.publicKeyPem],
      nodeId: f.nodeId,
    });
    expect(verdict).toMatchObject({
      ok: true,
      claims: { sub: memberId, ws: f.owner.workspaceId, aud: f.nodeId, role: 'member' },
    });
  });

  it('the node accepts it from the dashboard origin (sent with the config) and from no other', async () => {
    const { token } = (await open(f.memberCookie, { renewal: true }).expect(201)).body;
    const fromDashboard = await atNode(token, dashboardOrigin());
    expect(fromDashboard.status).toBe(200);
    expect(fromDashboard.headers.get('access-control-allow-origin')).toBe(dashboardOrigin());
    expect(((await fromDashboard.json()) as { conversations: unknown[] }).conversations).toEqual([]);
    expect((await atNode(token, 'https://evil.example')).status).toBe(403);
    expect((await atNode(`${token.slice(0, -4)}AAAA`)).status).toBe(401);
  });

  it('names each member’s own role: admins and owners too (a request without a body is an opening)', async () => {
    for (const [cookie, role] of [
      [f.adminCookie, 'admin'],
      [f.owner.cookie, 'owner'],
    ] as const) {
      const { token } = (await http().post(`${f.ws}/node-sessions`).set('Cookie', cookie).expect(201)).body;
      const verdict = verifyNodeSession({ token, publicKeys: [f.h.controlPlaneKeys.publicKeyPem], nodeId: f.nodeId });
      expect(verdict.ok && verdict.claims.role).toBe(role);
    }
  });

  it('audits an opening once (role and node, no token); renewals of an open page are not audited', async () => {
    const memberId = await userId(f.memberCookie);
    const events = await opened(memberId);
    expect(events).toEqual([
      { actor_type: 'user', actor_id: memberId, target_id: f.nodeId, details: { role: 'member', nodeId: f.nodeId } },
    ]);
    await open(f.memberCookie, { renewal: true }).expect(201);
    await open(f.memberCookie, { renewal: true }).expect(201);
    expect(await opened(memberId)).toHaveLength(1);
    await open(f.memberCookie, { renewal: false }).expect(201);
    expect(await opened(memberId)).toHaveLength(2);
  });

  it('audits a "renewal" that follows no opening on record (the flag cannot hide an opening)', async () => {
    const outsiderId = await userId(f.outsider.cookie);
    await http()
      .post(`${f.ws}/members`)
      .set('Cookie', f.owner.cookie)
      .send({ email: f.outsider.email, role: 'member' })
      .expect(201);
    await open(f.outsider.cookie, { renewal: true }).expect(201);
    expect(await opened(outsiderId)).toHaveLength(1);
    await http().delete(`${f.ws}/members/${outsiderId}`).set('Cookie', f.owner.cookie).expect(204);
  });

  it('refuses non-members (404), workspaces without a running node (409) and bad input (400); nothing is audited', async () => {
    const count = async () =>
      Number(
        (
          (await f.h.api.dataSource.query(`SELECT count(*) AS n FROM audit_events WHERE action = 'inbox.opened'`)) as [
            { n: string },
          ]
        )[0].n,
      );
    const before = await count();
    const stranger = await open(f.outsider.cookie).expect(404);
    expect(stranger.body.error.code).toBe('workspace_not_found');
    const noNode = await open(f.outsider.cookie, {}, `/api/workspaces/${f.outsider.workspaceId}`).expect(409);
    expect(noNode.body.error.code).toBe('node_not_ready');
    expect((await open(f.memberCookie, { renewal: 'yes' }).expect(400)).body.error.code).toBe('validation_failed');
    expect((await open(f.memberCookie, { renewal: true, role: 'owner' }).expect(400)).body.error.code).toBe(
      'validation_failed',
    );
    await http().post('/api/workspaces/not-a-uuid/node-sessions').set('Cookie', f.memberCookie).send({}).expect(400);
    await http().post(`${f.ws}/node-sessions`).send({}).expect(401);
    expect(await count()).toBe(before);
  });

  it('never stores or logs a token: not in PostgreSQL, Redis or the API’s debug log', async () => {
    const { token } = (await open(f.memberCookie, { renewal: true }).expect(201)).body as { token: string };
    const signature = token.split('.')[2];
    expect(await databaseDump(f.h.api)).not.toContain(signature);
    expect((await redisDump(f.h.api)).text).not.toContain(signature);
    expect(f.h.logs.length).toBeGreaterThan(0);
    expect(f.h.logs.join('\n')).not.toContain(signature);
  });

  it('lets the dashboard connect to the nodes: CSP connect-src names their zone, not every origin', async () => {
    const csp = (await http().get('/api/health')).headers['content-security-policy'] as string;
    const connectSrc = csp.split(';').find((d) => d.trim().startsWith('connect-src'));
    expect(connectSrc?.trim().split(/\s+/)).toEqual(
      expect.arrayContaining(["'self'", 'https://*.nodes.enclave.localhost', 'http://127.0.0.1:*']),
    );
    expect(connectSrc).not.toMatch(/\s\*(\s|$)/);
  });

  it('limits each user to 30 sessions a minute (429), whatever their address', async () => {
    const ws = `/api/workspaces/${f.outsider.workspaceId}`;
    const codes: number[] = [];
    for (let i = 0; i < 31; i += 1) codes.push((await open(f.outsider.cookie, {}, ws)).status);
    // Earlier tests spent some of this user's minute: 409s until the limit, then 429s.
    const firstLimited = codes.indexOf(429);
    expect(firstLimited).toBeGreaterThan(0);
    expect(new Set(codes.slice(0, firstLimited))).toEqual(new Set([409]));
    expect(new Set(codes.slice(firstLimited))).toEqual(new Set([429]));
    expect((await open(f.outsider.cookie, {}, ws).expect(429)).body.error.code).toBe('rate_limited');
    // Another user from the same address is not limited.
    await open(f.adminCookie, { renewal: true }).expect(201);
  });
});
