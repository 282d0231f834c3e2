import { chunkText, CHUNK_CHARS } from './chunker';
import { decideType } from './extractor/sniff';
import { ftsQuery } from './retrieval';
import { parseRobots, sitemapLocations } from './robots';
import { isRefusedAddress } from '../http/outbound-guard';

describe('knowledge base units', () => {
  it('refuses private, loopback, link-local and reserved addresses, IPv4-mapped ones too', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '224.0.0.1',
    ])
      expect([a, isRefusedAddress(a)]).toEqual([a, true]);
    for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect([a, isRefusedAddress(a)]).toEqual([a, false]);
  });

  it('robots.txt: the group for the agent or *, longest match wins, wildcards, sitemaps, crawl delay', () => {
    const robots = parseRobots(
      'User-agent: OtherBot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\nAllow: /private/open\nDisallow: /*.zip$\nCrawl-delay: 2\nSitemap: https://x.example/s.xml\n',
      'EnclaveKnowledgeBot/1.0',
    );
    expect(robots.allowed('/about')).toBe(true);
    expect(robots.allowed('/private/notes')).toBe(false);
    expect(robots.allowed('/private/open/page')).toBe(true);
    expect(robots.allowed('/files/a.zip')).toBe(false);
    expect(robots.allowed('/files/a.zip?x=1')).toBe(true);
    expect(robots.crawlDelayMs).toBe(2000);
    expect(robots.sitemaps).toEqual(['https://x.example/s.xml']);
    expect(
      sitemapLocations(
        '<sitemapindex><sitemap><loc> https://x.example/a.xml?x=1&amp;y=2 </loc></sitemap></sitemapindex>',
      ),
    ).toEqual({
      urls: ['https://x.example/a.xml?x=1&y=2'],
      isIndex: true,
    });
  });

  it('chunks of ~400 tokens with overlap, cut at boundaries', () => {
    const text = Array.from(
      { length: 60 },
      (_, i) => `Sentence number ${i} says something about bicycles and their care.`,
    ).join(' ');
    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(CHUNK_CHARS);
    for (let i = 1; i < chunks.length; i++) {
      const tail = chunks[i - 1].slice(-100);
      expect(chunks[i].includes(tail.slice(tail.indexOf(' ') + 1, tail.indexOf(' ') + 40))).toBe(true);
    }
    expect(chunks[0].endsWith('.')).toBe(true);
    expect(chunkText('  ')).toEqual([]);
  });

  it('the content decides the type; a claim it contradicts is refused', () => {
    const pdf = Buffer.from('%PDF-1.4\n...');
    expect(decideType(pdf, 'pdf', 'f')).toBe('pdf');
    expect(decideType(Buffer.from('hello'), 'pdf', 'f')).toBe('f is not a PDF: its content is plain text');
    expect(decideType(Buffer.from('<html><body>x</body></html>'), 'text', 'f')).toBe('html');
    expect(decideType(Buffer.from([0x50, 0x4b, 3, 4, 0, 0]), 'markdown', 'f')).toBe(
      'f is not Markdown: its content is a ZIP archive',
    );
    expect(decideType(Buffer.alloc(0), 'text', 'f')).toBe('f is empty');
  });

  it('questions become FTS5 queries of quoted words, stop words out', () => {
    expect(ftsQuery('What warranty do carbon frames have?')).toBe('"warranty" OR "carbon" OR "frames"');
    expect(ftsQuery('"; DROP TABLE x; --')).toBe('"drop" OR "table"');
    expect(ftsQuery('?!')).toBeUndefined();
  });
});
