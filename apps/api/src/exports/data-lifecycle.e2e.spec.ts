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

  it('exports through the node: the member gets the link, the control plane keeps who/when/until only', async () => {
    const exported = await http()
      .post(`${f.ws}/exports`)
      .set('Cookie', f.memberCookie)
      .send({ ttlSeconds: 600 })
      .expect(201);
    expect(exported.body).toMatchObject({ conversations: 1, messages: 2 });
    expect(exported.body.url.startsWith(`${f.node.url}/exports/`)).toBe(true);
    const archive = await fetch(exported.body.url);
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
    expect(rows).toHaveLength(1);
    signature = new URL(exported.body.url).searchParams.get('signature') ?? '';
    expect(signature).not.toBe('');
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
    expect(actions).toEqual(expect.arrayContaining(['export.requested', 'conversation.erased', 'retention.set']));
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
});
