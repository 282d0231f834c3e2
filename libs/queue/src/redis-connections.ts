import type { ControlPlaneConfig } from '@enclave/platform';
import type { Queue, RedisOptions } from 'bullmq';

/** Longest a command on a producer connection may wait (a Redis that accepts the connection but does not answer). */
export const REDIS_COMMAND_TIMEOUT_MS = 3_000;

/** Reconnect every 0.2 s, 0.4 s, … then every 2 s for as long as Redis is away (BullMQ's default grows to 20 s). */
export function reconnectDelay(attempt: number): number {
  return Math.min(200 * attempt, 2_000);
}

/**
 * The connection of every `Queue` (producers: the outbox relay, health, the staff dashboard,
 * schedulers). While Redis is away a command fails after one reconnection attempt (≤ 2 s) and
 * never later than REDIS_COMMAND_TIMEOUT_MS (a Redis that accepts the connection but does not
 * answer), so nothing that uses it hangs; callers that must not even wait that long look at
 * `connectionStatus` first. The offline queue stays on: a command sent while connecting waits
 * for the connection, and closing during an outage disconnects instead of failing.
 */
export function producerConnection(config: ControlPlaneConfig): RedisOptions {
  return {
    url: config.REDIS_URL,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
  };
}

/**
 * The connection of every BullMQ `Worker` (the worker process only): commands wait for Redis
 * to come back (`maxRetriesPerRequest: null`, as BullMQ's blocking connection requires), so
 * workers resume by themselves when it does.
 */
export function consumerConnection(config: ControlPlaneConfig): RedisOptions {
  return { url: config.REDIS_URL, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
}

/**
 * The state of a queue's Redis connection without waiting on it: `ready`, or what ioredis is
 * doing instead (`connecting`, `reconnecting`, `close`, `end`, …). BullMQ hands its client out
 * only once first connected, so a queue that never connected reads `connecting`.
 */
export async function connectionStatus(queue: Queue, waitMs = 50): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const later = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
  });
  try {
    const client = await Promise.race([queue.getBackend().client.catch(() => null), later]);
    return client ? String((client as { status?: unknown }).status ?? 'unknown') : 'connecting';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A listener for a BullMQ queue's or worker's `error` event: while Redis is away they emit one per
 * reconnection attempt (and without a listener BullMQ prints each to stderr). At most one warning
 * a minute; /api/health says whether Redis answers.
 */
export function redisErrorLogger(log: (fields: object, message: string) => void, everyMs = 60_000) {
  let last = 0;
  return (error: Error): void => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log({ error: error.message }, 'queue error (Redis unreachable?); repeats within a minute are not logged');
  };
}
