/**
 * The Standard Webhooks retry schedule: after a failed attempt the next one waits 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts over about 27.6 hours — each delay spread by
 * ±10 % jitter so endpoints that failed together are not retried together.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const JITTER = 0.1;

/** When attempt `attempts + 1` is due after `attempts` failed ones, or null when none is left. */
export function nextAttemptAt(attempts: number, nowMs: number, random: () => number = Math.random): number | null {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  if (delay === undefined) return null;
  const spread = delay * JITTER * (2 * random() - 1);
  return nowMs + Math.round(delay + spread);
}

/** Whether an answer (or its absence) is worth another attempt: timeouts, network errors, 5xx and 429. */
export function isRetryable(status: number | null): boolean {
  return status === null || status >= 500 || status === 429 || status === 408;
}
