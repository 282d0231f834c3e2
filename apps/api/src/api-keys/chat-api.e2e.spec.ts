import OpenAI from 'openai';
import { CHAT_API_KEY_SHAPE, chatApiKeyHash } from '@enclave/node-protocol';
import { alnum, auditActions, startAgentsWorkspace, type AgentsWorkspace } from '../../test/agents-workspace';
import { eventually } from '../../test/eventually';
import { databaseDump, leaks, redisDump } from '../../test/leak-scan';

/**
 * The chat API end to end: keys created and revoked through the control plane's API as a
 * signed-in admin, their hash delivered to the real node like every secret, then the official
 * `openai` client against the node.
 */
describe('chat API keys: dashboard flow → node → openai client', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();
  const texts: string[] = [];
  const secrets: string[] = [];

  const createKey = async (body: Record<string, unknown>) => {
    const res = await http()
      .post(`${f.ws}/api-keys`)
      .set('Cookie', f.adminCookie)
      .send({ agentId: f.agentId, ...body })
      .expect(201);
    secrets.push(res.body.secret as string);
    return res.body as { apiKey: { id: string; mask: string }; secret: string; delivery: string };
  };
  const client = (apiKey: string, maxRetries = 0) => new OpenAI({ apiKey, baseURL: `${f.node.url}/v1`, maxRetries });
  const ask = (c: OpenAI, content: string, extra: Record<string, unknown> = {}) => {
    texts.push(content);
    return c.chat.completions.create({
      model: f.agentId,
      messages: [{ role: 'user', content }],
      ...extra,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  };
  const nodeCount = (sql: string, ...args: unknown[]) =>
    (f.node.app.internals.db.prepare(sql).get(...args) as { n: number }).n;

  beforeAll(async () => {
    f = await startAgentsWorkspace();
    await http()
      .put(`${f.ws}/secrets/openai_api_key`)
      .set('Cookie', f.adminCookie)
      .send({ value: `sk-chat${alnum(30)}` })
      .expect(200);
  });
  afterAll(() => f?.close());

  it('a key created in the dashboard answers through the SDK, streamed or not; history off leaves no message row', async () => {
    const created = await createKey({ name: 'Website backend', history: false, requestsPerMinute: 600 });
    expect(created.secret).toMatch(CHAT_API_KEY_SHAPE);
    expect(created.delivery).toBe('delivered');
    expect(created.apiKey.mask).toBe(`sk-enclave-…${created.secret.slice(-4)}`);
    const listed = await http().get(`${f.ws}/api-keys`).set('Cookie', f.memberCookie).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: created.apiKey.id, history: false, lastUsedAt: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);

    const c = client(created.secret);
    const answer = await ask(c, `plain question ${alnum(8)}`);
    expect(answer.choices[0].message.content).toContain('[gpt-4o-mini] You said: "plain question');
    texts.push(`streamed question ${alnum(8)}`);
    const stream = await c.chat.completions.create({
      model: f.agentId,
      messages: [{ role: 'user', content: texts.at(-1)! }],
      stream: true,
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toContain(texts.at(-1));
    expect(
      nodeCount(
        'SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_id = ?',
        created.apiKey.id,
      ),
    ).toBe(0);

    // The heartbeat brings counts and the key's last use; the day's `api` usage row adds them up.
    await f.node.app.internals.heartbeat.beat();
    const [usage] = (await f.h.api.dataSource.query(
      `SELECT inbound, failures, tokens_in, tokens_out FROM usage_daily WHERE workspace_id = $1 AND channel = 'api'`,
      [f.owner.workspaceId],
    )) as { inbound: number; failures: number; tokens_in: string; tokens_out: string }[];
    expect(usage.inbound).toBe(2);
    expect(Number(usage.tokens_in)).toBeGreaterThan(0);
    expect(Number(usage.tokens_out)).toBeGreaterThan(0);
    const chart = await http().get(`${f.ws}/usage?days=1`).set('Cookie', f.memberCookie).expect(200);
    expect(chart.body.totals.api).toMatchObject({ requests: 2, failures: 0 });
    expect(chart.body.totals.api.tokensOut).toBeGreaterThan(0);
    const after = await http().get(`${f.ws}/api-keys`).set('Cookie', f.memberCookie).expect(200);
    expect(after.body[0].lastUsedAt).not.toBeNull();
  });

  it('a history-on key continues the conversation named by conversation_id', async () => {
    const { secret, apiKey } = await createKey({ name: 'Support bot', history: true, requestsPerMinute: 600 });
    const c = client(secret);
    await ask(c, 'my name is Ada', { conversation_id: 'ticket-1' });
    const second = await ask(c, 'what is my name?', { conversation_id: 'ticket-1' });
    expect(second.choices[0].message.content).toBe(
      '[gpt-4o-mini] You said: "what is my name?" (3 messages in context)',
    );
    expect(
      nodeCount(
        'SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_id = ?',
        apiKey.id,
      ),
    ).toBe(4);
  });

  it("over the limit: 429 with Retry-After, and the SDK's own retry succeeds afterwards", async () => {
    const { secret } = await createKey({ name: 'Tight', requestsPerMinute: 60 });
    for (let i = 0; i < 6; i++) await ask(client(secret), `burst ${i}`);
    const refused = await ask(client(secret), 'one too many').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('1');
    const retried = await ask(client(secret, 2), 'after waiting');
    expect(retried.choices[0].message.content).toContain('after waiting');
  });

  it("a key revoked in the dashboard is refused with 401; another agent's model is 403", async () => {
    const { secret, apiKey } = await createKey({ name: 'Short-lived' });
    await expect(client(secret).models.list()).resolves.toBeDefined();
    const other = await http()
      .post(`${f.ws}/agents`)
      .set('Cookie', f.adminCookie)
      .send({ name: 'Other', provider: 'openai', model: 'gpt-4o-mini' })
      .expect(201);
    await eventually(async () => (await f.node.app.internals.config.getAgent(other.body.agent.id)) !== undefined);
    const forbidden = await client(secret)
      .chat.completions.create({ model: other.body.agent.id, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(OpenAI.PermissionDeniedError);

    const revoked = await http().post(`${f.ws}/api-keys/${apiKey.id}/revoke`).set('Cookie', f.adminCookie).expect(200);
    expect(revoked.body).toMatchObject({ delivery: 'delivered', apiKey: { revokedAt: expect.any(String) } });
    await expect(client(secret).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await http().post(`${f.ws}/api-keys/${apiKey.id}/revoke`).set('Cookie', f.memberCookie).expect(403);
    // An agent a key still uses cannot be deleted; once the key is revoked it can.
    const onOther = await createKey({ name: 'On the other agent', agentId: other.body.agent.id });
    const busy = await http().delete(`${f.ws}/agents/${other.body.agent.id}`).set('Cookie', f.owner.cookie).expect(409);
    expect(busy.body.error.code).toBe('agent_in_use');
    await http().post(`${f.ws}/api-keys/${onOther.apiKey.id}/revoke`).set('Cookie', f.adminCookie).expect(200);
    await http().delete(`${f.ws}/agents/${other.body.agent.id}`).set('Cookie', f.owner.cookie).expect(200);
    expect(await auditActions(f.h.api, f.owner.workspaceId)).toEqual(
      expect.arrayContaining(['api_key.created', 'api_key.revoked']),
    );
  });

  it('neither the keys, their hashes nor any message text is in Postgres, Redis or the API logs', async () => {
    const hashes = secrets.map(chatApiKeyHash);
    const found = leaks([...secrets, ...hashes, ...texts], {
      postgres: await databaseDump(f.h.api),
      redis: (await redisDump(f.h.api)).text,
      apiLogs: f.h.logs.join(''),
    });
    expect(f.h.logs.join('')).toContain('/api-keys'); // the API's debug logs were captured
    expect(found).toEqual([]);
  });
});
