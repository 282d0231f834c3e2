import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import * as z from 'zod/mini';

/**
 * Addresses (or CIDR ranges) of reverse proxies in front of the node whose `X-Forwarded-For` is
 * believed (node config `trustedProxies`, used by every per-address limit: chat API, widget).
 * Loopback by default: on a host the launcher's TLS terminator pipes every connection to the
 * node from 127.0.0.1, so the peer says nothing about the client, and the edge in front writes
 * the client's address into `X-Forwarded-For`. Empty: the client is always the TCP peer.
 */
export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.1', '::1'];

const ipOrCidr = z.string().check(z.regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'an IP address or CIDR range'));
export const trustedProxiesSchema = z._default(z.array(ipOrCidr).check(z.maxLength(50)), DEFAULT_TRUSTED_PROXIES);

/**
 * The client's address: the TCP peer, unless the peer is a trusted proxy, in which case the
 * right-most address of `X-Forwarded-For` that is not itself a trusted proxy (addresses to its
 * left were written by the client and prove nothing).
 */
export class ClientAddress {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [address, bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(address, family);
      else this.trusted.addSubnet(address, Number(bits), family);
    }
    this.any = trustedProxies.length > 0;
  }

  of(req: IncomingMessage): string {
    const peer = normalise(req.socket.remoteAddress ?? 'unknown');
    if (!this.any || !this.isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => normalise(h.trim()))
      .filter((h) => isIP(h) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) if (!this.isTrusted(hops[i])) return hops[i];
    return hops[0] ?? peer;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) is `1.2.3.4`. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
