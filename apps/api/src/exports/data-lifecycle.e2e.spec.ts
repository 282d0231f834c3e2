import { gunzipSync } from 'node:zlib';
import { waitFor } from '../../test/agent-node-harness';
import { type AgentsWorkspace, alnum, auditActions, startAgentsWorkspace } from '../../test/agents-workspace';
import { databaseDump, leaks, redisDump } from '../../test/leak-scan';

/** The conversations live on the node: the control plane hands out export links and forwards erasure and retention. */
describe('data lifecycle through the node', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();
  const message = `Export probe ${alnum(16)} where is my parcel`;
  let reply = '';
  let signature = '';
  let conversationId = '';

  beforeAll(async () => {
    f = await startAgentsWorkspace();
    await f.h.providersJson('POST', `/telegram/_test/bots/${f.botToken}/updates`, { chatId: 4242, text: message });
    const sent = await waitFor(async () => {
      const answer = await f.h.providersJson('GET', `/telegram/_test/bots/${f.botToken}/sent`);
      return answer.messages.length === 1 ? (answer.messages as Array<{ text: string }>) : undefined;
    });
    reply = sent[0].text;
  });
  afterAll(() => f?.close());

  it('exports as a job on the node: preparing at once, then the member polls until the link is ready', async () => {
    const asked = await http()
      .post(`${f.ws}/exports`)
      .set('Cookie', f.memberCookie)
      .send({ ttlSeconds: 600 })
      .expect(202);
    expect(asked.body).toMatchObject({ state: expect.stringMatching(/^(preparing|ready)$/), url: null });
    const exported = await waitFor(async () => {
      const polled = await http().get(`${f.ws}/exports/${asked.body.id}`).set('Cookie', f.memberCookie).expect(200);
      return polled.body.state === 'ready' ? (polled.body as Record<string, unknown> & { url: string }) : undefined;
    }, 30_000);
    expect(exported).toMatchObject({ id: asked.body.id, conversations: 1, messages: 2 });
    expect(exported.url.startsWith(`${f.node.url}/exports/`)).toBe(true);
    const archive = await fetch(exported.url);
    expect(archive.status).toBe(200);
    // A tar.gz of conversations/<id>.ndjson files: the conversation line names the chat, the message follows.
    const unpacked = gunzipSync(Buffer.from(await archive.arrayBuffer())).toString('utf8');
    expect(unpacked).toContain(JSON.stringify(message));
    const conversation = (unpacked.match(/\{"type":"conversation"[^\n]*\}/g) ?? [])
      .map((line) => JSON.parse(line) as Record<string, string>)
      .find((line) => line.externalChatId === '4242');
    conversationId = conversation?.id ?? '';
    expect(conversationId).not.toBe('');
    const rows = (await f.h.api.dataSource.query('SELECT * FROM export_requests')) as Array<Record<string, unknown>>;
    expect(rows).toEqual([expect.objectContaining({ state: 'ready', conversations: 1, messages: 2 })]);
    signature = new URL(exported.url).searchParams.get('signature') ?? '';
    expect(signature).not.toBe('');
    const history = await http().get(`${f.ws}/exports`).set('Cookie', f.memberCookie).expect(200);
    expect(history.body).toEqual([expect.objectContaining({ id: asked.body.id, state: 'ready', messages: 2 })]);
  });

  it('asking twice while the node builds records one export; bad ids are 400, unknown ones 404, outsiders 404', async () => {
    // The node builds one export at a time: a second request while it prepares joins it.
    const node = f.node.app.internals.exports;
    const [first, second] = await Promise.all(
      [f.memberCookie, f.adminCookie].map((cookie) => http().post(`${f.ws}/exports`).set('Cookie', cookie).send({})),
    );
    expect([first.status, second.status]).toEqual([202, 202]);
    // One record per node job (the second joined the first, or came after it was ready), each request audited.
    const ids = new Set([first.body.id, second.body.id]);
    const rows = await f.h.api.dataSource.query('SELECT count(*)::int AS n FROM export_requests');
    expect(rows[0].n).toBe(1 + ids.size);
    const requested = (await auditActions(f.h.api, f.owner.workspaceId)).filter((a) => a === 'export.requested');
    expect(requested).toHaveLength(3);
    await node.settled();
    const polled = await http().get(`${f.ws}/exports/${second.body.id}`).set('Cookie', f.adminCookie).expect(200);
    expect(polled.body.state).toBe('ready');
    await http()
      .get(`${f.ws}/exports/not-a-uuid`)
      .set('Cookie', f.memberCookie)
      .expect(400)
      .expect((res) => expect(res.body.error.code).toBe('invalid_id'));
    await http()
      .get(`${f.ws}/exports/00000000-0000-4000-8000-000000000000`)
      .set('Cookie', f.memberCookie)
      .expect(404)
      .expect((res) => expect(res.body.error.code).toBe('export_not_found'));
    await http()
      .get(`${f.ws}/exports/${first.body.id}`)
      .set('Cookie', f.outsider.cookie)
      .expect(404)
      .expect((res) => expect(res.body.error.code).toBe('workspace_not_found'));
    await http().post(`${f.ws}/exports`).set('Cookie', f.memberCookie).send({ ttlSeconds: 5 }).expect(400);
  });

  it('erases a conversation (owner) and sets retention (admin) on the node', async () => {
    await http()
      .post(`${f.ws}/conversations/${conversationId}/erase`)
      .set('Cookie', f.owner.cookie)
      .send({})
      .expect(200, { erased: true, messages: 2 });
    await http()
      .post(`${f.ws}/conversations/${conversationId}/erase`)
      .set('Cookie', f.owner.cookie)
      .send({})
      .expect(404);
    await http()
      .put(`${f.ws}/retention`)
      .set('Cookie', f.adminCookie)
      .send({ days: 30 })
      .expect(200, { days: 30, delivery: 'delivered' });
    expect(f.node.app.internals.retention.days()).toBe(30);
    const retention = await http().get(`${f.ws}/retention`).set('Cookie', f.memberCookie).expect(200);
    expect(retention.body).toEqual({ days: 30, appliedAt: expect.any(String) });
    const actions = await auditActions(f.h.api, f.owner.workspaceId);
    expect(actions).toEqual(
      expect.arrayContaining(['export.requested', 'export.ready', 'conversation.erased', 'retention.set']),
    );
  });

  it("SCAN: neither the conversation nor the link's signature in pg_dump, Redis or the API logs — raw, base64 or hex", async () => {
    const dump = await databaseDump(f.h.api);
    const redis = await redisDump(f.h.api);
    const logs = f.h.logs.join('');
    // Positive controls: the scanner sees what is legitimately there.
    expect(dump).toContain(conversationId); // the erase's audit event names the conversation
    expect(redis.keys).toBeGreaterThan(0);
    expect(logs).toContain(`${f.ws}/exports`);
    expect(leaks([message, reply, signature], { pg_dump: dump, redis: redis.text, logs })).toEqual([]);
  });

  it('a node that stops answering mid-export: 503 node_unavailable while it is away, nothing recorded; the export completes when it is back', async () => {
    const asked = await http().post(`${f.ws}/exports`).set('Cookie', f.memberCookie).send({}).expect(202);
    const stateOf = async () =>
      (
        (await f.h.api.dataSource.query('SELECT state FROM export_requests WHERE id = $1', [asked.body.id])) as Array<{
          state: string;
        }>
      )[0].state;
    const before = await stateOf();
    const audited = (await auditActions(f.h.api, f.owner.workspaceId)).length;
    await f.node.halt();
    try {
      const away = await http().get(`${f.ws}/exports/${asked.body.id}`).set('Cookie', f.memberCookie);
      expect({ status: away.status, code: away.body.error?.code }).toEqual({ status: 503, code: 'node_unavailable' });
      // Not failed for a node that may come back: the record and the audit trail are as they were.
      expect(await stateOf()).toBe(before);
      expect(await auditActions(f.h.api, f.owner.workspaceId)).toHaveLength(audited);
    } finally {
      await f.node.restart();
    }
    const done = await waitFor(async () => {
      const polled = await http().get(`${f.ws}/exports/${asked.body.id}`).set('Cookie', f.memberCookie).expect(200);
      return polled.body.state === 'ready' ? (polled.body as { url: string }) : undefined;
    }, 30_000);
    expect((await fetch(done.url)).status).toBe(200);
  });
});
