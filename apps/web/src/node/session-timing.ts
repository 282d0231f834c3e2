/**
 * When to renew a node session (pure, so the timing is specified by tests, not by waiting).
 * Sessions live at most 15 minutes; the page renews about two minutes before the end, so a
 * slow control plane or a sleeping tab still leaves time before the node starts answering 401.
 */

/** How long before `expiresAt` the page asks for a new session. */
export const RENEW_BEFORE_EXPIRY_MS = 2 * 60_000;
/** Never renew sooner than this after the last renewal (a clock far off must not make the page spin). */
export const MIN_RENEWAL_DELAY_MS = 10_000;
/** A session this close to its end is not worth sending: the request could arrive after it. */
export const EXPIRY_MARGIN_MS = 10_000;

/**
 * Milliseconds to wait before renewing a session that expires at `expiresAt`. A session shorter
 * than twice the usual margin is renewed half-way through its remaining life instead.
 */
export function renewalDelayMs(expiresAt: string, now: number): number {
  const remaining = new Date(expiresAt).getTime() - now;
  if (!Number.isFinite(remaining)) return MIN_RENEWAL_DELAY_MS;
  const margin = Math.min(RENEW_BEFORE_EXPIRY_MS, remaining / 2);
  return Math.max(MIN_RENEWAL_DELAY_MS, Math.floor(remaining - margin));
}

/** True when the session must be renewed before the next call (expired, unreadable, or about to). */
export function isSessionSpent(expiresAt: string, now: number): boolean {
  const end = new Date(expiresAt).getTime();
  return !Number.isFinite(end) || end - now <= EXPIRY_MARGIN_MS;
}
