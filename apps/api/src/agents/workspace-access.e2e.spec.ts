import { type AgentsWorkspace, alnum, startAgentsWorkspace, telegramToken } from '../../test/agents-workspace';

/** Who may call the agent, channel, secret, usage and export routes of a workspace, and with what input. */
describe('agents, channels and secrets: workspace scoping, roles and input validation', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();

  beforeAll(async () => {
    f = await startAgentsWorkspace();
  });
  afterAll(() => f?.close());

  type Route = { method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: () => string; body?: () => object };
  const reads: Route[] = [
    { method: 'get', path: () => `${f.ws}/agents` },
    { method: 'get', path: () => `${f.ws}/agents/${f.agentId}` },
    { method: 'get', path: () => `${f.ws}/channels` },
    { method: 'get', path: () => `${f.ws}/channels/${f.channelId}` },
    { method: 'get', path: () => `${f.ws}/secrets` },
    { method: 'get', path: () => `${f.ws}/usage?days=30` },
    { method: 'get', path: () => `${f.ws}/node-health` },
    { method: 'get', path: () => `${f.ws}/exports` },
  ];
  const configure: Route[] = [
    {
      method: 'post',
      path: () => `${f.ws}/agents`,
      body: () => ({ name: 'X', provider: 'openai', model: 'gpt-4o-mini' }),
    },
    { method: 'patch', path: () => `${f.ws}/agents/${f.agentId}`, body: () => ({ enabled: false }) },
    {
      method: 'post',
      path: () => `${f.ws}/channels`,
      body: () => ({ type: 'telegram', agentId: f.agentId, botToken: telegramToken() }),
    },
    { method: 'patch', path: () => `${f.ws}/channels/${f.channelId}`, body: () => ({ enabled: false }) },
    {
      method: 'put',
      path: () => `${f.ws}/channels/${f.channelId}/credentials`,
      body: () => ({ botToken: telegramToken() }),
    },
    { method: 'put', path: () => `${f.ws}/secrets/openai_api_key`, body: () => ({ value: `sk-acl${alnum(30)}` }) },
    { method: 'put', path: () => `${f.ws}/retention`, body: () => ({ days: 90 }) },
  ];
  const deletes: Route[] = [
    { method: 'delete', path: () => `${f.ws}/agents/${f.agentId}` },
    { method: 'delete', path: () => `${f.ws}/channels/${f.channelId}` },
    { method: 'delete', path: () => `${f.ws}/secrets/openai_api_key` },
    { method: 'post', path: () => `${f.ws}/conversations/some-conversation/erase`, body: () => ({}) },
  ];
  const call = (route: Route, cookie: string) => {
    const req = http()[route.method](route.path()).set('Cookie', cookie);
    return route.body ? req.send(route.body()) : req;
  };

  it('a member of another workspace gets 404 on every route, and nothing changes', async () => {
    const before = await f.h.api.dataSource.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1',
      [f.owner.workspaceId],
    );
    for (const route of [
      ...reads,
      ...configure,
      ...deletes,
      { method: 'post', path: () => `${f.ws}/exports`, body: () => ({}) } as Route,
    ]) {
      const res = await call(route, f.outsider.cookie);
      expect({ route: `${route.method} ${route.path()}`, status: res.status, code: res.body.error?.code }).toEqual({
        route: `${route.method} ${route.path()}`,
        status: 404,
        code: 'workspace_not_found',
      });
    }
    expect(
      await f.h.api.dataSource.query('SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1', [
        f.owner.workspaceId,
      ]),
    ).toEqual(before);
  });

  it('a plain member reads but gets 403 on configuration; an admin gets 403 on deletion', async () => {
    for (const route of reads) await call(route, f.memberCookie).expect(200);
    for (const route of [...configure, ...deletes]) {
      const res = await call(route, f.memberCookie);
      expect({ route: `${route.method} ${route.path()}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path()}`,
        status: 403,
      });
    }
    for (const route of deletes) {
      const res = await call(route, f.adminCookie);
      expect({ route: `${route.method} ${route.path()}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path()}`,
        status: 403,
      });
    }
  });

  it('validates input: instructions over 8,000 characters, unknown fields, bad kinds', async () => {
    await http()
      .post(`${f.ws}/agents`)
      .set('Cookie', f.adminCookie)
      .send({ name: 'Long', provider: 'openai', model: 'gpt-4o-mini', instructions: 'x'.repeat(8001) })
      .expect(400);
    await http()
      .post(`${f.ws}/agents`)
      .set('Cookie', f.adminCookie)
      .send({ name: 'Ok', provider: 'openai', model: 'gpt-4o-mini', instructions: 'x'.repeat(8000) })
      .expect(201);
    await http()
      .post(`${f.ws}/agents`)
      .set('Cookie', f.adminCookie)
      .send({ name: 'X', provider: 'mistral', model: 'm' })
      .expect(400);
    await http()
      .post(`${f.ws}/agents`)
      .set('Cookie', f.adminCookie)
      .send({ name: 'X', provider: 'openai', model: 'gpt-4o-mini', apiKey: 'nope' })
      .expect(400);
    const kind = await http()
      .put(`${f.ws}/secrets/telegram_bot_token`)
      .set('Cookie', f.adminCookie)
      .send({ value: telegramToken() })
      .expect(400);
    expect(kind.body.error.code).toBe('invalid_secret_kind');
  });
});
