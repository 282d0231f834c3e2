import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Requests the node makes to addresses a customer typed in (webhook endpoints, and any other
 * customer-chosen URL): https only, never to a private, loopback, link-local (cloud metadata),
 * CGNAT or multicast address — checked on every resolved address, the connection pinned to the
 * checked one (no DNS rebinding), and again on every redirect — with a deadline and a cap on how
 * much of the answer is read. Test configurations name `host:port` pairs that may be plain http
 * and loopback (`allowHosts`); nothing else can lift the rules.
 */

/** Why a request was refused before it left, or failed on the way: `reason` is short, stable and shown to customers. */
export class OutboundRefused extends Error {
  constructor(
    readonly reason:
      | 'invalid_url'
      | 'scheme_refused'
      | 'credentials_in_url'
      | 'private_address'
      | 'unresolvable_host'
      | 'too_many_redirects'
      | 'timeout'
      | 'connection_failed',
    message: string,
  ) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

const BLOCKED = new BlockList();
const IPV4_BLOCKS: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
];
const IPV6_BLOCKS: readonly (readonly [string, number])[] = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
];
for (const [net, prefix] of IPV4_BLOCKS) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of IPV6_BLOCKS) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** Whether the node refuses to connect to `address` (IPv4-mapped IPv6 is judged as its IPv4; a non-address is refused). */
export function isRefusedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** How a refused address is named to the customer. */
export function describeRefusedAddress(address: string): string {
  if (/^169\.254\./.test(address) || /^fe80:/i.test(address)) return 'a link-local address (cloud metadata)';
  if (/^127\./.test(address) || address === '::1') return 'a loopback address';
  return 'a private or reserved address';
}

export interface OutboundPolicy {
  /** `host:port` pairs that may be http and loopback/private: test configurations only. */
  readonly allowHosts: readonly string[];
  /** Plain http to any host (public web pages for the knowledge base); the address rules still hold. */
  readonly allowHttp?: boolean;
}

function hostKey(u: URL): string {
  return `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** Parses and checks a URL's shape (scheme, no credentials); the address is checked when connecting. */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new OutboundRefused('invalid_url', 'not a URL');
  }
  const allowed = policy.allowHosts.includes(hostKey(u));
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && (allowed || policy.allowHttp)))
    throw new OutboundRefused('scheme_refused', `${u.protocol} URLs are refused: use https`);
  if (u.username || u.password) throw new OutboundRefused('credentials_in_url', 'URLs with credentials are refused');
  const literal = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !allowed && isRefusedAddress(literal))
    throw new OutboundRefused('private_address', `refused: ${u.hostname} is ${describeRefusedAddress(literal)}`);
  return u;
}

/** Resolves the host and checks every address it has; returns the one to connect to (for other protocols too: SMTP). */
export async function pinnedAddress(u: URL, policy: OutboundPolicy): Promise<{ address: string; family: number }> {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      throw new OutboundRefused('unresolvable_host', `${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new OutboundRefused('unresolvable_host', `${host} does not resolve`);
  const refused = policy.allowHosts.includes(hostKey(u))
    ? undefined
    : addresses.find((a) => isRefusedAddress(a.address));
  if (refused)
    throw new OutboundRefused('private_address', `refused: ${host} is ${describeRefusedAddress(refused.address)}`);
  return addresses[0];
}

export interface OutboundRequest {
  readonly method: 'POST' | 'GET';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Bytes of the answer read; the rest is not waited for. */
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  /** 'manual': a redirect is answered as it is (its own checks are the caller's), not followed. */
  readonly redirect?: 'follow' | 'manual';
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** At most `maxResponseBytes`. */
  readonly body: Buffer;
  readonly truncated: boolean;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

/**
 * Sends one request under the policy. Redirects (301/302/303/307/308) are followed by hand up to
 * `maxRedirects`, each hop checked like the first; 307/308 repeat the method and body, the others
 * do too for POST (a webhook is never silently turned into a GET). The whole exchange, redirects
 * included, has one deadline.
 */
export async function guardedRequest(req: OutboundRequest, policy: OutboundPolicy): Promise<OutboundResponse> {
  const deadline = Date.now() + req.timeoutMs;
  let current = checkOutboundUrl(req.url, policy);
  for (let hop = 0; ; hop += 1) {
    const pinned = await withDeadline(pinnedAddress(current, policy), deadline);
    const res = await send(current, pinned, req, deadline);
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(res.status) && location && req.redirect !== 'manual') {
      if (hop >= req.maxRedirects) throw new OutboundRefused('too_many_redirects', 'too many redirects');
      current = checkOutboundUrl(new URL(location, current).href, policy);
      continue;
    }
    return { ...res, url: current.href };
  }
}

function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new OutboundRefused('timeout', 'timed out')),
      Math.max(0, deadline - Date.now()),
    );
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function send(
  u: URL,
  pinned: { address: string; family: number },
  req: OutboundRequest,
  deadline: number,
): Promise<Omit<OutboundResponse, 'url'>> {
  const transport = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const pinnedLookup: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) cb(null, [pinned] as never);
    else cb(null, pinned.address, pinned.family);
  };
  const headers: Record<string, string | number> = { ...req.headers, 'accept-encoding': 'identity' };
  if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const out = transport(u, { method: req.method, headers, lookup: pinnedLookup }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (truncated: boolean) =>
        finish(() =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated }),
        );
      res.on('data', (chunk: Buffer) => {
        const room = req.maxResponseBytes - size;
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += chunk.length;
        if (size > req.maxResponseBytes) {
          done(true);
          out.destroy();
        }
      });
      res.on('end', () => done(false));
      res.on('error', () => finish(() => reject(new OutboundRefused('connection_failed', 'connection failed'))));
    });
    const timer = setTimeout(
      () => {
        finish(() => reject(new OutboundRefused('timeout', 'timed out')));
        out.destroy();
      },
      Math.max(0, deadline - Date.now()),
    );
    out.on('error', () => finish(() => reject(new OutboundRefused('connection_failed', 'connection failed'))));
    out.end(req.body);
  });
}
