import type { IncomingMessage } from 'node:http';
import { ClientAddress } from '../http/client-address';
import { burstRate, TokenBuckets } from './rate-limits';

const request = (peer: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  }) as unknown as IncomingMessage;

describe('client address behind trusted proxies', () => {
  it('is the peer when the peer is not trusted, whatever X-Forwarded-For says', () => {
    const address = new ClientAddress(['127.0.0.1']);
    expect(address.of(request('198.51.100.4', '10.0.0.1'))).toBe('198.51.100.4');
    expect(new ClientAddress([]).of(request('127.0.0.1', '10.0.0.1'))).toBe('127.0.0.1');
  });

  it("is the right-most untrusted hop behind trusted ones (left entries are the client's own words)", () => {
    const address = new ClientAddress(['127.0.0.1', '173.245.48.0/20', '2400:cb00::/32']);
    expect(address.of(request('127.0.0.1', '6.6.6.6, 203.0.113.9'))).toBe('203.0.113.9');
    expect(address.of(request('::ffff:127.0.0.1', '6.6.6.6, 203.0.113.9, 173.245.48.10'))).toBe('203.0.113.9');
    expect(address.of(request('127.0.0.1', '2001:db8::1, 2400:cb00::5'))).toBe('2001:db8::1');
    expect(address.of(request('127.0.0.1', 'not-an-ip, 203.0.113.9'))).toBe('203.0.113.9');
    expect(address.of(request('127.0.0.1'))).toBe('127.0.0.1');
  });
});

describe('token buckets', () => {
  it('allow a burst of a tenth of the rate, then one per interval, with Retry-After figures', () => {
    const buckets = new TokenBuckets();
    const rate = burstRate(60); // 6 at once, then one a second
    const t = 1_000_000;
    for (let i = 0; i < 6; i++) expect(buckets.take('k', rate, t).ok).toBe(true);
    const refused = buckets.take('k', rate, t);
    expect(refused).toMatchObject({ ok: false, limit: 60, remaining: 0, retryAfterMs: 1000, resetMs: 6000 });
    expect(buckets.take('k', rate, t + 999).ok).toBe(false);
    expect(buckets.take('k', rate, t + 2000).ok).toBe(true);
    expect(buckets.take('other', rate, t).ok).toBe(true);
  });

  it('peek does not take; spend takes even from an empty bucket', () => {
    const buckets = new TokenBuckets();
    const rate = { perMinute: 2, capacity: 2 };
    buckets.spend('a', rate, 0);
    buckets.spend('a', rate, 0);
    buckets.spend('a', rate, 0);
    expect(buckets.peek('a', rate, 0).ok).toBe(false);
    expect(buckets.peek('a', rate, 30_000).ok).toBe(true);
    expect(buckets.peek('a', rate, 30_000).ok).toBe(true);
  });
});
