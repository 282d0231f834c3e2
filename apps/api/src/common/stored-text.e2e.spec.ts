import { type ApiHarness, startApiHarness } from '../../test/api-harness';
import { signInByEmail } from '../../test/sign-in';

/**
 * Text PostgreSQL cannot store, or should not: refused with 400 naming the field before
 * anything is written (it was a 500 from PostgreSQL), normalised to NFC when accepted, and
 * bodies that are not UTF-8 refused rather than decoded to U+FFFD.
 */
describe('text people write: one rule for every DTO, and UTF-8 bodies only', () => {
  let h: ApiHarness;
  let owner: string;
  let workspaceId: string;
  let agentId: string;
  const ws = () => `/api/workspaces/${workspaceId}`;

  beforeAll(async () => {
    h = await startApiHarness();
    owner = await signInByEmail(h, 'text-owner@example.com');
    workspaceId = (
      await h.http().post('/api/workspaces').set('cookie', owner).send({ name: 'Text Co', slug: 'text-co' }).expect(201)
    ).body.id;
    agentId = (
      await h
        .http()
        .post(`${ws()}/agents`)
        .set('cookie', owner)
        .send({ name: 'Helper', instructions: 'Be kind.', provider: 'openai', model: 'gpt-4o-mini' })
        .expect(201)
    ).body.agent.id;
  });
  afterAll(() => h?.close());

  /** Everything a refused request must leave as it was. */
  const state = async () => ({
    workspaces: await h.dataSource.query(`SELECT id, name, slug, updated_at FROM workspaces ORDER BY id`),
    agents: await h.dataSource.query(`SELECT id, name, instructions, updated_at FROM agents ORDER BY id`),
    audit: (await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events`))[0].n,
  });
  const expectRefused = (body: { error: { code: string; details: unknown } }, path: string) => {
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  };

  const badLine: Array<[string, string]> = [
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00b'],
    ['a bell', 'a\u0007b'],
    ['DEL', 'a\u007fb'],
    ['a line feed in a one-line name', 'a\nb'],
    ['a tab in a one-line name', 'a\tb'],
    ['only spaces', '   '],
  ];

  it.each([...badLine, ['over 80 characters', 'n'.repeat(81)]])(
    'workspace name with %s: 400 naming the field, nothing written',
    async (_what, name) => {
      const before = await state();
      const created = await h
        .http()
        .post('/api/workspaces')
        .set('cookie', owner)
        .send({ name, slug: 'fresh-slug' })
        .expect(400);
      expectRefused(created.body, 'name');
      const renamed = await h.http().patch(ws()).set('cookie', owner).send({ name }).expect(400);
      expectRefused(renamed.body, 'name');
      expect(await state()).toEqual(before);
    },
  );

  it.each([...badLine, ['over 100 characters', 'n'.repeat(101)]])(
    'agent name with %s: 400 naming the field, nothing written',
    async (_what, name) => {
      const before = await state();
      const created = await h
        .http()
        .post(`${ws()}/agents`)
        .set('cookie', owner)
        .send({ name, provider: 'openai', model: 'gpt-4o-mini' })
        .expect(400);
      expectRefused(created.body, 'name');
      const updated = await h.http().patch(`${ws()}/agents/${agentId}`).set('cookie', owner).send({ name }).expect(400);
      expectRefused(updated.body, 'name');
      expect(await state()).toEqual(before);
    },
  );

  it.each([
    ['NUL', 'Be kind.\u0000'],
    ['a lone surrogate', 'Be kind \ud83d.'],
    ['an escape character', 'Be \u001b[31mkind'],
    ['over 8000 characters', 'x'.repeat(8001)],
  ])('agent instructions with %s: 400 naming the field, nothing written', async (_what, instructions) => {
    const before = await state();
    const created = await h
      .http()
      .post(`${ws()}/agents`)
      .set('cookie', owner)
      .send({ name: 'Other', instructions, provider: 'openai', model: 'gpt-4o-mini' })
      .expect(400);
    expectRefused(created.body, 'instructions');
    const updated = await h
      .http()
      .patch(`${ws()}/agents/${agentId}`)
      .set('cookie', owner)
      .send({ instructions })
      .expect(400);
    expectRefused(updated.body, 'instructions');
    expect(await state()).toEqual(before);
  });

  it('stores names and instructions in NFC; instructions keep tabs and line breaks', async () => {
    const decomposed = 'Cafe\u0301 Zo\u0308e';
    const renamed = await h
      .http()
      .patch(ws())
      .set('cookie', owner)
      .send({ name: ` ${decomposed} ` })
      .expect(200);
    expect(renamed.body.name).toBe('Caf\u00e9 Z\u00f6e');
    const created = await h
      .http()
      .post('/api/workspaces')
      .set('cookie', owner)
      .send({ name: decomposed, slug: 'cafe-zoe' })
      .expect(201);
    const instructions = 'Re\u0301ponds en franc\u0327ais.\n\tSois bref.\r\n👋🏽';
    await h
      .http()
      .patch(`${ws()}/agents/${agentId}`)
      .set('cookie', owner)
      .send({ name: 'He\u0301loi\u0308se', instructions })
      .expect(200);
    const [workspace] = await h.dataSource.query(`SELECT name FROM workspaces WHERE id = $1`, [workspaceId]);
    const [other] = await h.dataSource.query(`SELECT name FROM workspaces WHERE id = $1`, [created.body.id]);
    const [agent] = await h.dataSource.query(`SELECT name, instructions FROM agents WHERE id = $1`, [agentId]);
    expect(workspace.name).toBe('Caf\u00e9 Z\u00f6e');
    expect(other.name).toBe('Caf\u00e9 Z\u00f6e');
    expect(agent).toEqual({
      name: 'H\u00e9lo\u00efse',
      instructions: 'R\u00e9ponds en fran\u00e7ais.\n\tSois bref.\r\n👋🏽',
    });
  });

  it('refuses a body that is not valid UTF-8 (400 malformed_utf8) instead of storing U+FFFD', async () => {
    const before = await state();
    // 0xFF is never part of UTF-8; "@" marks where it goes. fetch sends the bytes as they are.
    const send = async (method: string, path: string, json: string, contentType: string) => {
      const [head, tail] = json.split('@');
      const response = await fetch(`${h.url}${path}`, {
        method,
        headers: { cookie: owner, 'content-type': contentType },
        body: Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)]),
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    };
    expect(await send('PATCH', ws(), '{"name":"Bad @ bytes"}', 'application/json')).toMatchObject({
      status: 400,
      body: { error: { code: 'malformed_utf8' } },
    });
    const body = '{"name":"Bad @ bytes","slug":"bad-bytes"}';
    expect(await send('POST', '/api/workspaces', body, 'application/json; charset=utf-8')).toMatchObject({
      status: 400,
      body: { error: { code: 'malformed_utf8' } },
    });
    expect(await state()).toEqual(before);
  });

  it('refuses an audit filter PostgreSQL cannot compare (NUL in actorId) with 400, not 500', async () => {
    const response = await h.http().get(`${ws()}/audit-events?actorId=a%00b`).set('cookie', owner).expect(400);
    expectRefused(response.body, 'actorId');
  });
});
