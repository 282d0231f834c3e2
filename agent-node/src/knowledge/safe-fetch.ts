import { guardedRequest, OutboundRefused } from '../http/outbound-guard';

/** Why a fetch was refused or failed: the message becomes the source's failure reason. */
export class FetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefused';
  }
}

export interface SafeFetchOptions {
  /** host:port pairs allowed although they resolve to a refused address (test configuration only). */
  readonly allowHosts: readonly string[];
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
}

export interface FetchedDocument {
  /** The URL after redirects. */
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

const REDIRECTS = [301, 302, 303, 307, 308];

/**
 * GET of a public web page for the knowledge base, through the node's outbound guard (private,
 * loopback and link-local addresses refused on every hop, pinned connections, one deadline per
 * hop). Plain http is allowed here, unlike webhooks. Redirects are followed by hand so that loops
 * and, for site crawls, hops to another host fail with a reason of their own.
 */
export async function safeFetch(
  url: string,
  options: SafeFetchOptions,
  accept = '*/*',
  /** When set, a redirect to another host is refused (site crawls stay on the site). */
  site?: URL,
): Promise<FetchedDocument> {
  const policy = { allowHosts: options.allowHosts, allowHttp: true };
  const seen = new Set<string>();
  let current = url;
  for (let hop = 0; ; hop++) {
    if (seen.has(current)) throw new FetchRefused('redirect loop');
    seen.add(current);
    const res = await guardedRequest(
      {
        method: 'GET',
        url: current,
        headers: { 'user-agent': options.userAgent, accept },
        timeoutMs: options.timeoutMs,
        maxResponseBytes: options.maxBytes,
        maxRedirects: 0,
        redirect: 'manual',
      },
      policy,
    ).catch((err: unknown) => {
      throw err instanceof OutboundRefused ? new FetchRefused(err.message) : err;
    });
    const location = res.headers.location;
    if (REDIRECTS.includes(res.status) && location) {
      if (hop >= options.maxRedirects) throw new FetchRefused('too many redirects');
      const next = new URL(location, res.url);
      if (site && next.host !== site.host) throw new FetchRefused(`redirected off-site to ${next.host}`);
      current = next.href;
      continue;
    }
    if (res.truncated) throw new FetchRefused(`larger than ${Math.round(options.maxBytes / 1024)} KB`);
    return { url: res.url, status: res.status, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
  }
}
