import { isSessionSpent, MIN_RENEWAL_DELAY_MS, renewalDelayMs } from './session-timing';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const inMinutes = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

describe('node session timing', () => {
  it('renews a 15-minute session two minutes before it ends', () => {
    expect(renewalDelayMs(inMinutes(15), NOW)).toBe(13 * 60_000);
  });

  it('renews a short session half-way through what is left', () => {
    expect(renewalDelayMs(inMinutes(2), NOW)).toBe(60_000);
    expect(renewalDelayMs(inMinutes(1), NOW)).toBe(30_000);
  });

  it('waits a little rather than spinning when the session is (nearly) over or unreadable', () => {
    expect(renewalDelayMs(inMinutes(0.1), NOW)).toBe(MIN_RENEWAL_DELAY_MS);
    expect(renewalDelayMs(inMinutes(-5), NOW)).toBe(MIN_RENEWAL_DELAY_MS);
    expect(renewalDelayMs('not a date', NOW)).toBe(MIN_RENEWAL_DELAY_MS);
  });

  it('treats a session within ten seconds of its end as spent', () => {
    expect(isSessionSpent(inMinutes(15), NOW)).toBe(false);
    expect(isSessionSpent(new Date(NOW + 11_000).toISOString(), NOW)).toBe(false);
    expect(isSessionSpent(new Date(NOW + 10_000).toISOString(), NOW)).toBe(true);
    expect(isSessionSpent(inMinutes(-1), NOW)).toBe(true);
    expect(isSessionSpent('garbage', NOW)).toBe(true);
  });
});
