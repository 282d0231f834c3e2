import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordNeedle } from '../at-rest-needles';
import { makeDocx, makePdf } from './documents';

/**
 * A static test website for the knowledge base (tests and the demo), on loopback: robots.txt
 * (disallowing /private/), sitemap.xml, HTML pages linking each other, a PDF and a DOCX, and
 * the hostile corners a crawler must survive (redirect loop, redirects to loopback, to cloud
 * metadata and off-site, an endless link trap, a "PDF" that is not one).
 *
 * What is where (tests rely on it): the returns policy is only in the DOCX, the carbon-frame
 * warranty only in the handbook PDF (which no page links to: it is uploaded as a file).
 */
export interface TestSite {
  readonly url: string;
  /** host:port, for the node's `knowledge.testAllowHosts`. */
  readonly host: string;
  close(): Promise<void>;
}

export const HANDBOOK_FACT = 'Carbon frames carry a seven year warranty under the Zephyr Care plan';

export function handbookPdf(): Buffer {
  return makePdf(
    [
      [
        'Northwind Cycles rider handbook',
        'Chapter 1. Fitting your bike',
        'Adjust the saddle height so your knee is slightly bent.',
      ],
      ['Chapter 2. Warranty', `${HANDBOOK_FACT}.`, 'Aluminium frames carry a three year warranty.'],
    ],
    'Northwind rider handbook',
  );
}

export function returnsDocx(): Buffer {
  return makeDocx([
    '# Returns policy',
    'Unridden bicycles may be returned within 45 days with the original receipt for a full refund.',
    'Helmets and clothing can be exchanged within 14 days.',
  ]);
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/services">Services</a> <a href="/contact">Contact</a></nav>
<main><article><h1>${title}</h1>${body}</article></main><footer>Northwind Cycles, 12 Harbour Road, Bristol</footer></body></html>`;

const PAGES: Record<string, string> = {
  '/': page(
    'Northwind Cycles',
    `<p>Northwind Cycles is an independent bicycle shop in Bristol selling city bikes, e-bikes and road bikes since 2009.</p>
     <p>Read <a href="/about">about us</a>, see our <a href="/services">workshop services</a>, or <a href="/contact">contact the shop</a>.
     Our <a href="/docs/returns.docx">returns policy</a> is a document. Staff: <a href="/private/staff-notes">notes</a>.
     Also see <a href="/trap/1">the archive</a>.</p>`,
  ),
  '/about': page(
    'About Northwind Cycles',
    `<p>We are a family business founded by Mara and Tom Okafor. Our mechanics are Cytech certified and we ride every bike we sell.</p>
     <p>Our tone is friendly and plain-spoken; we never push upgrades you do not need.</p>`,
  ),
  '/services': page(
    'Workshop services',
    `<p>A standard service costs 65 pounds and includes gear and brake adjustment, wheel truing and a safety check.</p>
     <p>A full overhaul costs 140 pounds. Puncture repairs cost 12 pounds while you wait. E-bike motor diagnostics cost 40 pounds.</p>`,
  ),
  '/contact': page(
    'Contact',
    `<p>Call 0117 496 0000 or email hello@northwind.example. The shop opens Tuesday to Saturday, 9am to 6pm.</p>`,
  ),
  '/private/staff-notes': page('Staff notes', '<p>The staff discount code is INTERNAL-ONLY-4471.</p>'),
};

const ROBOTS = (base: string) => `User-agent: *\nDisallow: /private/\nCrawl-delay: 0\n\nSitemap: ${base}/sitemap.xml\n`;

const sitemap = (base: string, generated: number) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${[
    '/',
    '/about',
    '/services',
    '/contact',
    '/docs/returns.docx',
    '/private/staff-notes',
    ...Array.from({ length: generated }, (_, i) => `/gen/${i + 1}`),
  ]
    .map((p) => `  <url><loc>${base}${p}</loc></url>`)
    .join('\n')}\n</urlset>\n`;

const WORDS =
  'bicycle wheel chain saddle brake gear frame tyre pedal helmet route commute touring gravel repair service battery motor light lock pump'.split(
    ' ',
  );

/** A generated page for benchmarks: deterministic words around a numbered fact. */
export function generatedPage(n: number): string {
  const words = Array.from({ length: 600 }, (_, i) => WORDS[(n * 7 + i * 13) % WORDS.length]).join(' ');
  return page(`Guide ${n}`, `<p>Guide number ${n}. Fact ${n}: the code for guide ${n} is G${n}X.</p><p>${words}.</p>`);
}

export async function startTestSite(
  options: { port?: number; generatedPages?: number; redirectTarget?: string } = {},
): Promise<TestSite> {
  const generated = options.generatedPages ?? 0;
  let base = '';
  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  const redirect = (res: ServerResponse, to: string) => send(res, 302, 'text/plain', 'moved', { location: to });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const html = PAGES[path];
    if (html) {
      // What a crawl takes into the knowledge base is content: it must stay on the node.
      for (const [, text] of html.matchAll(/<p>([^<]+)/g)) recordNeedle('content', text.trim());
      return send(res, 200, 'text/html; charset=utf-8', html);
    }
    if (path === '/robots.txt') return send(res, 200, 'text/plain', ROBOTS(base));
    if (path === '/sitemap.xml') return send(res, 200, 'application/xml', sitemap(base, generated));
    if (path === '/docs/returns.docx')
      return send(res, 200, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', returnsDocx());
    if (path === '/files/handbook.pdf') return send(res, 200, 'application/pdf', handbookPdf());
    if (path === '/files/fake.pdf') return send(res, 200, 'application/pdf', page('Not a PDF', '<p>html</p>'));
    const trap = /^\/trap\/(\d+)$/.exec(path);
    if (trap) {
      const n = Number(trap[1]);
      return send(
        res,
        200,
        'text/html',
        page(`Archive ${n}`, `<p>Archive page ${n} of an endless archive.</p><a href="/trap/${n + 1}">next</a>`),
      );
    }
    const gen = /^\/gen\/(\d+)$/.exec(path);
    if (gen && Number(gen[1]) <= generated) return send(res, 200, 'text/html', generatedPage(Number(gen[1])));
    if (path === '/loop/a') return redirect(res, '/loop/b');
    if (path === '/loop/b') return redirect(res, '/loop/a');
    if (path === '/to-loopback') return redirect(res, options.redirectTarget ?? 'http://127.0.0.1:9/');
    if (path === '/to-metadata') return redirect(res, 'http://169.254.169.254/latest/meta-data/');
    if (path === '/off-site') return redirect(res, 'https://elsewhere.example/');
    return send(res, 404, 'text/html', page('Not found', '<p>No such page.</p>'));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    host: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
