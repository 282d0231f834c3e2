import { makeDocx, makePdf, makeZip, returnsDocx, startTestSite, type TestSite } from '@enclave/sandbox';
import { configureNode, startNodeFixture, type NodeFixture } from '../testing/node-fixture';
import { knowledgeClient } from './knowledge-test-client';

const MB = 1024 * 1024;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2048, 7)]);

/**
 * A DOCX whose ZIP headers claim 4 KB for a 270 MB document. Built once at load, before the node
 * starts: building it takes seconds of synchronous work, which must not block the in-process
 * node's event loop between two requests of the test (its idle keep-alive socket would be closed
 * under the next request: ECONNRESET).
 */
function lyingZipBomb(): Buffer {
  const paragraph = `<w:p><w:r><w:t>${'a'.repeat(1000)}</w:t></w:r></w:p>`;
  const xml = Buffer.from(
    `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraph.repeat(250_000)}</w:body></w:document>`,
  );
  return makeZip([
    {
      name: '[Content_Types].xml',
      data: Buffer.from('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    },
    {
      name: '_rels/.rels',
      data: Buffer.from(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      ),
    },
    { name: 'word/document.xml', data: xml, declaredSize: 4096 },
  ]);
}
const LYING_BOMB = lyingZipBomb();

describe('knowledge base: bad input fails the source with a clear reason; the node stays up; nothing else changes', () => {
  let site: TestSite;
  let f: NodeFixture;
  let kb: ReturnType<typeof knowledgeClient>;
  let good: { id: string; chunks: number };

  beforeAll(async () => {
    site = await startTestSite();
    f = await startNodeFixture({
      knowledge: {
        testAllowHosts: [site.host],
        crawlDelayMs: 0,
        maxFileBytes: 4 * MB,
        extractorHeapMb: 96,
        extractorRssMb: 256,
      },
    });
    await configureNode(f);
    kb = knowledgeClient(f);
    const source = await kb.upload('returns.docx', returnsDocx());
    const done = await kb.settled(source.id);
    expect(done.status).toBe('ready');
    good = { id: done.id, chunks: done.chunks };
  });
  afterAll(async () => {
    await f.close();
    await site.close();
  });

  /** The source fails with the reason; the good source and the node are untouched. */
  const failsWith = async (source: { id: string }, reason: string | RegExp) => {
    const done = await kb.settled(source.id, 60_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(reason);
    expect(done.chunks).toBe(0);
    const after = await kb.source(good.id);
    expect(after).toMatchObject({ status: 'ready', chunks: good.chunks });
    expect((await fetch(`${f.nodeUrl}/healthz`)).status).toBe(200);
  };

  it('a file that is not what its name says', async () => {
    await failsWith(
      await kb.upload('brochure.pdf', PNG),
      'the file "brochure.pdf" is not a PDF: its content is binary data',
    );
    await failsWith(
      await kb.upload('report.docx', Buffer.from('<!doctype html><html><body>hi</body></html>')),
      'is not a Word document (DOCX): its content is an HTML page',
    );
    await failsWith(await kb.upload('notes.md', PNG), 'is not Markdown: its content is binary data');
    await failsWith(
      await kb.upload('tool.exe', PNG),
      'only PDF, DOCX, Markdown, HTML and plain text files are accepted',
    );
  });

  it('a zip bomb disguised as DOCX is refused from its directory, before anything is inflated', async () => {
    const bomb = makeDocx(['Hello'], [{ name: 'word/media/image1.bin', data: Buffer.alloc(300 * MB) }]);
    expect(bomb.length).toBeLessThan(MB);
    await failsWith(await kb.upload('bomb.docx', bomb), /expands to 315 MB .*refused as a possible zip bomb/);
  });

  it('a zip bomb whose headers lie is stopped by the extractor memory cap (child killed, node up)', async () => {
    expect(LYING_BOMB.length).toBeLessThan(2 * MB);
    await failsWith(await kb.upload('liar.docx', LYING_BOMB), 'the document needed more than 256 MB to read');
  });

  it('a 500-page PDF over the page cap', async () => {
    const pages = Array.from({ length: 500 }, (_, i) => [`Page ${i + 1} of a very long catalogue.`]);
    await failsWith(await kb.upload('catalogue.pdf', makePdf(pages)), 'the PDF has 500 pages; the limit is 300');
  });

  it('a file over the size cap is refused at the door (413) and creates no source', async () => {
    const before = (await kb.overview()).sources.length;
    const res = await fetch(`${f.nodeUrl}/v1/knowledge/files?name=big.txt`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${f.cp.session(f.config.nodeId, 'admin')}`,
        'content-type': 'application/octet-stream',
      },
      body: new Uint8Array(5 * MB),
    }).catch(() => undefined);
    if (res) expect(res.status).toBe(413);
    expect((await kb.overview()).sources.length).toBe(before);
  });

  it('a crawl that loops, or redirects off-site, to loopback or to cloud metadata', async () => {
    await failsWith(await kb.add({ kind: 'url', url: `${site.url}/loop/a` }), 'redirect loop');
    await failsWith(await kb.add({ kind: 'site', url: `${site.url}/loop/a` }), 'redirect loop');
    await failsWith(
      await kb.add({ kind: 'site', url: `${site.url}/off-site` }),
      'redirected off-site to elsewhere.example',
    );
    await failsWith(
      await kb.add({ kind: 'url', url: `${site.url}/to-loopback` }),
      'refused: 127.0.0.1 is a loopback address',
    );
    await failsWith(
      await kb.add({ kind: 'url', url: `${site.url}/to-metadata` }),
      'refused: 169.254.169.254 is a link-local address (cloud metadata)',
    );
    await failsWith(
      await kb.add({ kind: 'url', url: 'http://169.254.169.254/latest/meta-data/' }),
      'refused: 169.254.169.254 is a link-local address (cloud metadata)',
    );
    await failsWith(
      await kb.add({ kind: 'url', url: 'http://10.0.0.5/' }),
      'refused: 10.0.0.5 is a private or reserved address',
    );
    await failsWith(
      await kb.add({ kind: 'url', url: `http://localhost:${f.port}/v1/health` }),
      'is a loopback address',
    );
  });

  it('a fetched page whose content type lies', async () => {
    await failsWith(
      await kb.add({ kind: 'url', url: `${site.url}/files/fake.pdf` }),
      'the page is not a PDF: its content is an HTML page',
    );
  });
});
