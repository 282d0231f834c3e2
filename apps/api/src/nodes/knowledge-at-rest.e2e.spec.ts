import { HANDBOOK_FACT, handbookPdf } from '@enclave/sandbox';
import { waitFor } from '../../test/agent-node-harness';
import { type AgentsWorkspace, alnum, startAgentsWorkspace } from '../../test/agents-workspace';
import { databaseDump, leaks, redisDump } from '../../test/leak-scan';

/**
 * The knowledge base is customer content: the dashboard uploads straight to the node with a node
 * session, the node indexes and answers from it, and the control plane hears counts only.
 */
describe('knowledge base at rest: documents live on the node, the control plane keeps counts', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();
  const answer = `Tandems rent for ${alnum(12)} a day`;
  let token = '';

  const node = async (method: string, path: string, body?: string | Uint8Array, type = 'application/json') => {
    const res = await fetch(`${f.node.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, never> };
  };
  const sources = async () =>
    (await node('GET', '/v1/knowledge')).body.sources as unknown as Array<{
      id: string;
      status: string;
      chunks: number;
    }>;

  beforeAll(async () => {
    f = await startAgentsWorkspace();
    await http()
      .put(`${f.ws}/secrets/openai_api_key`)
      .set('Cookie', f.adminCookie)
      .send({ value: `sk-kb${alnum(30)}` });
    token = (await http().post(`${f.ws}/node-sessions`).set('Cookie', f.adminCookie).send({}).expect(201)).body.token;
  });
  afterAll(() => f?.close());

  it('the admin uploads a PDF and types a Q&A entry straight to the node; both become ready', async () => {
    const upload = await node(
      'POST',
      '/v1/knowledge/files?name=handbook.pdf',
      new Uint8Array(handbookPdf()),
      'application/pdf',
    );
    expect(upload.status).toBe(202);
    const qa = await node(
      'POST',
      '/v1/knowledge/sources',
      JSON.stringify({ kind: 'qa', question: 'Do you rent tandems?', answer }),
    );
    expect(qa.status).toBe(202);
    const ready = await waitFor(async () => {
      const list = await sources();
      return list.length === 2 && list.every((s) => s.status === 'ready') ? list : undefined;
    }, 20_000);
    expect(ready.map((s) => s.chunks)).toEqual([1, 1]);
  });

  it('the agent answers from it through Telegram; the heartbeat brings the counts to the dashboard', async () => {
    await f.h.providersJson('POST', `/telegram/_test/bots/${f.botToken}/updates`, {
      chatId: 5151,
      text: 'What warranty do carbon frames have?',
    });
    await waitFor(async () => {
      const sent = await f.h.providersJson('GET', `/telegram/_test/bots/${f.botToken}/sent`);
      return sent.messages.length === 1;
    });
    const requests = ((await f.h.providersJson('GET', '/openai/_test/requests')) as unknown as { requests: unknown })
      .requests as Array<{
      messages: Array<{ role: string; content: string }>;
    }>;
    expect(requests.at(-1)?.messages[0].content).toContain(HANDBOOK_FACT);
    expect(await f.node.app.internals.heartbeat.beat()).toBe(true);
    const health = await http().get(`${f.ws}/node-health`).set('Cookie', f.memberCookie).expect(200);
    expect(health.body.node.knowledge).toEqual({ sources: 2, chunks: 2, bytes: expect.any(Number) });
  });

  it('SCAN: no document text, Q&A answer or excerpt in pg_dump, Redis or the API logs', async () => {
    const dump = await databaseDump(f.h.api);
    const redis = await redisDump(f.h.api);
    const logs = f.h.logs.join('');
    expect(dump).toContain('"knowledge"'); // the counts are there
    expect(
      leaks([HANDBOOK_FACT, answer, 'Northwind rider handbook', 'Adjust the saddle height'], {
        pg_dump: dump,
        redis: redis.text,
        logs,
      }),
    ).toEqual([]);
  });
});
