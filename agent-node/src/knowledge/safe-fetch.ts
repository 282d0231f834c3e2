import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Why a fetch was refused or failed: the message becomes the source's failure reason. */
export class FetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefused';
  }
}

/** Addresses the node never fetches: private, loopback, link-local (cloud metadata), CGNAT, multicast. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
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
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

/** Whether an address is one the node refuses (IPv4-mapped IPv6 is judged as its IPv4). */
export function isBlockedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function describeBlocked(address: string): string {
  if (/^169\.254\./.test(address) || /^fe80:/i.test(address)) return 'a link-local address (cloud metadata)';
  if (/^127\./.test(address) || address === '::1') return 'a loopback address';
  return 'a private or reserved address';
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

function hostKey(u: URL): string {
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** Resolves the host and checks every address; the connection then goes to the checked one (no rebinding). */
async function checkedAddress(u: URL, allowHosts: readonly string[]): Promise<{ address: string; family: number }> {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookupAll(host);
  if (addresses.length === 0) throw new FetchRefused(`${u.hostname} does not resolve`);
  if (!allowHosts.includes(hostKey(u))) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) throw new FetchRefused(`refused: ${u.hostname} is ${describeBlocked(blocked.address)}`);
  }
  return addresses[0];
}

async function lookupAll(host: string) {
  try {
    return await lookup(host, { all: true });
  } catch {
    throw new FetchRefused(`${host} does not resolve`);
  }
}

/** GET with the SSRF guard on every hop, a size cap while reading and manual redirects. */
export async function safeFetch(
  url: string,
  options: SafeFetchOptions,
  accept = '*/*',
  /** When set, a redirect to another host is refused (site crawls stay on the site). */
  site?: URL,
): Promise<FetchedDocument> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new FetchRefused('not a URL');
  }
  const seen = new Set<string>();
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:')
      throw new FetchRefused(`refused: ${current.protocol} URLs are not fetched`);
    if (current.username || current.password) throw new FetchRefused('refused: URLs with credentials are not fetched');
    if (seen.has(current.href)) throw new FetchRefused('redirect loop');
    seen.add(current.href);
    const pinned = await checkedAddress(current, options.allowHosts);
    const res = await get(current, pinned, options, accept);
    if (res.status >= 300 && res.status < 400 && res.location) {
      if (hop >= options.maxRedirects) throw new FetchRefused('too many redirects');
      current = new URL(res.location, current);
      if (site && current.host !== site.host) throw new FetchRefused(`redirected off-site to ${current.host}`);
      continue;
    }
    return { url: current.href, status: res.status, contentType: res.contentType, body: res.body };
  }
}

function get(
  u: URL,
  pinned: { address: string; family: number },
  options: SafeFetchOptions,
  accept: string,
): Promise<{ status: number; contentType: string; location?: string; body: Buffer }> {
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const pinnedLookup: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) cb(null, [pinned] as never);
    else cb(null, pinned.address, pinned.family);
  };
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: 'GET',
        lookup: pinnedLookup,
        timeout: options.timeoutMs,
        headers: { 'user-agent': options.userAgent, accept, 'accept-encoding': 'identity' },
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          resolve({ status, contentType, location: res.headers.location, body: Buffer.alloc(0) });
          return;
        }
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > options.maxBytes) {
          req.destroy();
          reject(new FetchRefused(`larger than ${Math.round(options.maxBytes / 1024)} KB`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > options.maxBytes) {
            req.destroy();
            reject(new FetchRefused(`larger than ${Math.round(options.maxBytes / 1024)} KB`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status, contentType, body: Buffer.concat(chunks) }));
        res.on('error', () => reject(new FetchRefused('connection failed')));
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      reject(new FetchRefused('timed out'));
    }, options.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => {
      req.destroy();
      reject(new FetchRefused('timed out'));
    });
    req.on('error', () => reject(new FetchRefused('connection failed')));
    req.end();
  });
}
