import { request as httpsRequest } from 'node:https';

/** fetch as the stand-ins use it for outbound calls (webhook deliveries). */
export type OutboundFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Where the edge connects for a proxied name: the DNS record's address and the origin's HTTPS port. */
export interface EdgeOrigin {
  readonly address: string;
  readonly port: number;
}

export interface CloudflareEdgeOptions {
  /** The origin of a proxied hostname, or undefined when no proxied record has that name. */
  readonly resolve: (hostname: string) => EdgeOrigin | undefined | Promise<EdgeOrigin | undefined>;
  /** CA the origin certificates chain to (the sandbox Origin CA), trusted like Cloudflare trusts its own. */
  readonly originCaPem: () => string;
}

/**
 * The sandbox's Cloudflare edge: in production a Telegram or Meta webhook to
 * `https://<slug>.<zone>/...` reaches Cloudflare, which proxies it to the node's origin
 * (the DNS record's address) over TLS with the Origin CA certificate. Here the stand-ins'
 * webhook deliveries do the same: names the Cloudflare stand-in holds a proxied record for
 * are connected to that record's address and the origin port, verified against the sandbox
 * Origin CA with the hostname as SNI. Other URLs go out as plain fetch.
 */
export function cloudflareEdgeFetch(options: CloudflareEdgeOptions): OutboundFetch {
  return async (url, init) => {
    const target = new URL(url);
    const origin = target.protocol === 'https:' ? await options.resolve(target.hostname) : undefined;
    if (!origin) return fetch(url, init);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          method: init.method,
          host: origin.address,
          port: origin.port,
          path: `${target.pathname}${target.search}`,
          servername: target.hostname,
          headers: {
            ...init.headers,
            host: target.hostname,
            ...(init.body ? { 'content-length': Buffer.byteLength(init.body) } : {}),
          },
          ca: options.originCaPem(),
          signal: init.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 502,
              arrayBuffer: async () =>
                body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  };
}
