/** What a bucket said: allowed or not, what is left, and when to come back. */
export interface BucketVerdict {
  readonly ok: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Until one more request is allowed (0 when `ok`). */
  readonly retryAfterMs: number;
  /** Until the bucket is full again. */
  readonly resetMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A refill rate and how many tokens a bucket holds at most. */
export interface Rate {
  readonly perMinute: number;
  readonly capacity: number;
}

/** `perMinute` sustained, bursts of a tenth of it (at least 1): a client may not save up a minute's worth. */
export function burstRate(perMinute: number): Rate {
  return { perMinute, capacity: Math.max(1, Math.ceil(perMinute / 10)) };
}

/** Buckets kept before idle ones are forgotten. */
const MAX_BUCKETS = 10_000;

/** Token buckets by name, each refilled at its rate. In memory: a restart forgets them. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token when there is one. */
  take(key: string, rate: Rate, now = Date.now()): BucketVerdict {
    return this.apply(key, rate, now, true);
  }

  /** Whether a token is there, without taking it. */
  peek(key: string, rate: Rate, now = Date.now()): BucketVerdict {
    return this.apply(key, rate, now, false);
  }

  /** Takes a token even when none is left (failures are counted, never refused). */
  spend(key: string, rate: Rate, now = Date.now()): void {
    const b = this.refilled(key, rate, now);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  private apply(key: string, rate: Rate, now: number, take: boolean): BucketVerdict {
    const b = this.refilled(key, rate, now);
    const perMs = rate.perMinute / 60_000;
    const ok = b.tokens >= 1;
    if (ok && take) b.tokens -= 1;
    return {
      ok,
      limit: rate.perMinute,
      remaining: Math.floor(b.tokens),
      retryAfterMs: ok ? 0 : Math.ceil((1 - b.tokens) / perMs),
      resetMs: Math.ceil((rate.capacity - b.tokens) / perMs),
    };
  }

  private refilled(key: string, rate: Rate, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.forgetIdle(now);
      b = { tokens: rate.capacity, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(rate.capacity, b.tokens + ((now - b.at) * rate.perMinute) / 60_000);
    b.at = now;
    return b;
  }

  /** Forgets buckets untouched for a minute: every rate has refilled them by then, they would start full anyway. */
  private forgetIdle(now: number): void {
    for (const [key, b] of this.buckets) if (now - b.at >= 60_000) this.buckets.delete(key);
  }
}
