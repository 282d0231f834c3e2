import type { ExtractRequest, ExtractResult } from './extractor/extract';
import { ALLOW_ALL, parseRobots, sitemapLocations, type RobotsRules } from './robots';
import { FetchRefused, safeFetch, type SafeFetchOptions } from './safe-fetch';

export interface CrawlLimits {
  readonly maxPages: number;
  readonly maxDepth: number;
  /** Pause between two requests to the site (robots.txt Crawl-delay, when longer, wins; capped at 10 s). */
  readonly delayMs: number;
  readonly maxPdfPages: number;
  readonly maxUnzippedBytes: number;
  readonly maxChars: number;
}

export interface CrawledPage {
  readonly url: string;
  readonly title: string | null;
  readonly text: string;
  readonly pages: number;
  readonly bytes: number;
}

export type Extract = (req: ExtractRequest) => Promise<ExtractResult>;

export const CRAWLER_USER_AGENT = 'EnclaveKnowledgeBot/1.0 (+https://enclave.example/bot)';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sameSite(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host;
}

/** Fetches one URL and extracts it; a refusal or an HTTP error is the reason it failed. */
export async function fetchPage(
  url: string,
  fetchOptions: SafeFetchOptions,
  limits: Omit<CrawlLimits, 'maxPages' | 'maxDepth' | 'delayMs'>,
  extract: Extract,
  site?: URL,
): Promise<{ page: CrawledPage; links: string[] } | { reason: string }> {
  let doc;
  try {
    doc = await safeFetch(url, fetchOptions, 'text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5', site);
  } catch (err) {
    if (err instanceof FetchRefused) return { reason: err.message };
    throw err;
  }
  if (doc.status < 200 || doc.status >= 300) return { reason: `the page answered HTTP ${doc.status}` };
  const result = await extract({
    bytes: doc.body,
    contentType: doc.contentType || 'application/octet-stream',
    url: doc.url,
    maxPdfPages: limits.maxPdfPages,
    maxUnzippedBytes: limits.maxUnzippedBytes,
    maxChars: limits.maxChars,
  });
  if (!result.ok) return { reason: result.reason };
  return {
    page: { url: doc.url, title: result.title, text: result.text, pages: result.pages, bytes: doc.body.length },
    links: result.links,
  };
}

async function robotsFor(start: URL, fetchOptions: SafeFetchOptions): Promise<RobotsRules> {
  try {
    const res = await safeFetch(new URL('/robots.txt', start).href, fetchOptions, 'text/plain');
    if (res.status >= 200 && res.status < 300) return parseRobots(res.body.toString('utf8'), CRAWLER_USER_AGENT);
  } catch {
    // no robots.txt: everything is allowed
  }
  return ALLOW_ALL;
}

async function sitemapUrls(start: URL, robots: RobotsRules, fetchOptions: SafeFetchOptions, max: number) {
  const queue = robots.sitemaps.length ? [...robots.sitemaps] : [new URL('/sitemap.xml', start).href];
  const found: string[] = [];
  for (let fetched = 0; queue.length > 0 && fetched < 5 && found.length < max; fetched++) {
    const next = queue.shift() as string;
    try {
      const res = await safeFetch(next, fetchOptions, 'application/xml,text/xml');
      if (res.status < 200 || res.status >= 300) continue;
      const { urls, isIndex } = sitemapLocations(res.body.toString('utf8'));
      if (isIndex) queue.push(...urls);
      else found.push(...urls);
    } catch {
      // a missing or refused sitemap: links are followed instead
    }
  }
  return found;
}

/**
 * Crawls a site: robots.txt first (rules and sitemaps), then the sitemap's URLs, then same-site
 * links breadth-first up to the depth and page caps, one request at a time with a pause between.
 * Pages that fail are skipped; when the start page itself fails the crawl fails with its reason.
 */
export async function crawlSite(
  startUrl: string,
  fetchOptions: SafeFetchOptions,
  limits: CrawlLimits,
  extract: Extract,
  onPage: (page: CrawledPage) => void,
): Promise<{ pages: number; skipped: number } | { reason: string }> {
  const start = new URL(startUrl);
  start.hash = '';
  const robots = await robotsFor(start, fetchOptions);
  const delay = Math.max(limits.delayMs, Math.min(robots.crawlDelayMs, 10_000));
  const seen = new Set<string>();
  const queue: { url: string; depth: number }[] = [{ url: start.href, depth: 0 }];
  seen.add(start.href);
  for (const u of await sitemapUrls(start, robots, fetchOptions, limits.maxPages)) {
    const url = new URL(u, start);
    url.hash = '';
    if (sameSite(url, start) && !seen.has(url.href)) {
      seen.add(url.href);
      queue.push({ url: url.href, depth: 1 });
    }
  }
  let pages = 0;
  let skipped = 0;
  let first = true;
  while (queue.length > 0 && pages < limits.maxPages) {
    const { url, depth } = queue.shift() as { url: string; depth: number };
    const path = new URL(url).pathname + new URL(url).search;
    if (!robots.allowed(path)) {
      if (first) return { reason: `robots.txt disallows ${path}` };
      skipped++;
      continue;
    }
    if (!first) await sleep(delay);
    const got = await fetchPage(url, fetchOptions, limits, extract, start);
    if ('reason' in got) {
      if (first) return { reason: got.reason };
      skipped++;
      continue;
    }
    first = false;
    pages++;
    onPage(got.page);
    if (depth >= limits.maxDepth) continue;
    for (const link of got.links) {
      const u = new URL(link);
      if (!sameSite(u, start) || seen.has(u.href)) continue;
      seen.add(u.href);
      queue.push({ url: u.href, depth: depth + 1 });
    }
  }
  return { pages, skipped };
}
