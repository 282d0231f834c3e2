import { HANDBOOK_FACT, handbookPdf, startTestSite, type TestSite } from '@enclave/sandbox';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import { knowledgeClient } from './knowledge-test-client';

describe('knowledge base: crawl, upload, retrieval into the prompt, citations, deletion (real node, test site, stand-ins)', () => {
  let site: TestSite;
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  let kb: ReturnType<typeof knowledgeClient>;
  let pdfId: string;
  const chatId = 4242;

  beforeAll(async () => {
    site = await startTestSite();
    f = await startNodeFixture({
      knowledge: { testAllowHosts: [site.host], crawlDelayMs: 0, crawlMaxPages: 12, crawlMaxDepth: 2 },
    });
    ch = await configureNode(f);
    kb = knowledgeClient(f);
  });
  afterAll(async () => {
    await f.close();
    await site.close();
  });

  const sent = async () =>
    (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as { text: string }[];
  const ask = async (text: string) => {
    const before = (await sent()).length;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId, text, firstName: 'Ola' });
    const all = await waitFor(async () => ((await sent()).length > before ? sent() : undefined), 15_000);
    const requests = (await f.sandboxJson('GET', '/openai/_test/requests')).requests as {
      messages: { role: string; content: string }[];
    }[];
    return { reply: all[all.length - 1].text, system: requests[requests.length - 1].messages[0].content };
  };
  const chunkUrls = () =>
    (f.app.internals.db.prepare('SELECT DISTINCT url FROM kb_chunks').all() as { url: string | null }[]).map(
      (r) => r.url,
    );

  it('crawls the test site: sitemap and links, robots.txt honoured, the DOCX indexed, the link trap capped', async () => {
    const source = await kb.add({ kind: 'site', url: `${site.url}/` });
    expect(source.status).toBe('queued');
    const done = await kb.settled(source.id);
    expect(done).toMatchObject({ status: 'ready', error: null, embedded: true });
    expect(done.pages).toBeLessThanOrEqual(12);
    const urls = chunkUrls();
    expect(urls).toEqual(
      expect.arrayContaining([
        `${site.url}/`,
        `${site.url}/about`,
        `${site.url}/services`,
        `${site.url}/docs/returns.docx`,
      ]),
    );
    expect(urls.some((u) => u?.includes('/private/'))).toBe(false);
    expect(done.chunks).toBe(urls.length); // pages are short: one chunk each
  });

  it('an uploaded PDF goes straight to the node, is extracted in the child and indexed', async () => {
    const source = await kb.upload('handbook.pdf', handbookPdf());
    pdfId = source.id;
    const done = await kb.settled(source.id);
    expect(done).toMatchObject({ status: 'ready', kind: 'file', pages: 2, title: 'handbook.pdf', embedded: true });
    expect(done.bytes).toBe(handbookPdf().length);
  });

  it('a question answered only in the PDF puts that chunk into the prompt, and the reply cites it', async () => {
    const { reply, system } = await ask('What warranty do carbon frames have?');
    expect(system).toContain('You are a helpful assistant.');
    expect(system).toContain(HANDBOOK_FACT);
    expect(system).toMatch(/\[1\] Northwind rider handbook\n/);
    expect(reply).toContain('Sources:\n[1] Northwind rider handbook');
  });

  it('a question answered by a crawled page cites its URL', async () => {
    const { reply, system } = await ask('How much is a full overhaul in the workshop?');
    expect(system).toContain('A full overhaul costs 140 pounds');
    expect(reply).toMatch(new RegExp(`Sources:\\n\\[\\d\\] Workshop services: ${site.url}/services`));
  });

  it('the heartbeat carries counts (sources, chunks, bytes), never texts', async () => {
    expect(await f.app.internals.heartbeat.beat()).toBe(true);
    const beat = f.cp.heartbeats.at(-1)!;
    const counts = (await kb.overview()).counts;
    expect(beat.knowledge).toEqual({ sources: 2, chunks: counts.chunks, bytes: counts.bytes });
    expect(JSON.stringify(beat)).not.toContain('warranty');
  });

  it('after deleting the PDF its chunk is no longer retrieved', async () => {
    const r = await kb.call('DELETE', `/v1/knowledge/sources/${pdfId}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ deleted: true, chunks: 1 });
    expect(f.app.internals.db.prepare('SELECT COUNT(*) AS n FROM kb_chunks WHERE source_id = ?').get(pdfId)).toEqual({
      n: 0,
    });
    const { system, reply } = await ask('What warranty do carbon frames have?');
    expect(system).not.toContain(HANDBOOK_FACT);
    expect(reply).not.toContain('rider handbook');
    expect((await kb.call('DELETE', `/v1/knowledge/sources/${pdfId}`)).status).toBe(404);
  });

  it('when nothing matches, the prompt tells the model to say so (or hand off, as configured)', async () => {
    expect((await ask('Zyxxy quorbl?')).system).toContain('say plainly that you do not know');
    expect((await kb.call('PUT', '/v1/knowledge/settings', { noAnswer: 'handoff' })).status).toBe(200);
    expect((await ask('Zyxxy quorbl?')).system).toContain('call the handoff_to_human tool');
    await kb.call('PUT', '/v1/knowledge/settings', { noAnswer: 'say' });
  });

  it('refresh re-indexes a source; a Q&A entry is answerable', async () => {
    const [crawl] = (await kb.overview()).sources.filter((s) => s.kind === 'site');
    expect((await kb.call('POST', `/v1/knowledge/sources/${crawl.id}/refresh`)).status).toBe(202);
    expect(await kb.settled(crawl.id)).toMatchObject({ status: 'ready' });
    const qa = await kb.add({
      kind: 'qa',
      question: 'Do you rent tandems?',
      answer: 'Yes, tandems rent for 50 pounds a day.',
    });
    expect(await kb.settled(qa.id)).toMatchObject({ status: 'ready', chunks: 1 });
    expect((await ask('Can I rent a tandem bike?')).system).toContain('tandems rent for 50 pounds a day');
  });

  it('refuses bad requests without changing anything', async () => {
    const before = await kb.overview();
    expect((await kb.call('POST', '/v1/knowledge/sources', { kind: 'url', url: 'ftp://x.example/' })).status).toBe(422);
    expect((await kb.call('POST', '/v1/knowledge/sources', { kind: 'qa', question: ' ', answer: 'x' })).status).toBe(
      422,
    );
    expect((await kb.call('DELETE', '/v1/knowledge/sources/not-a-uuid')).status).toBe(422);
    const member = f.cp.session(f.config.nodeId, 'member');
    const res = await fetch(`${f.nodeUrl}/v1/knowledge/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'url', url: `${site.url}/about` }),
    });
    expect(res.status).toBe(403);
    expect((await kb.overview()).sources).toEqual(before.sources);
  });
});
