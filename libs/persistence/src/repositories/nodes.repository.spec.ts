import { hashEnrolmentToken, statusAfterSilence } from './nodes.repository';

const LIMITS = { PROVISIONING_NODE_DEGRADED_AFTER_MS: 120_000, PROVISIONING_NODE_OFFLINE_AFTER_MS: 600_000 };
const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms);

describe('statusAfterSilence', () => {
  it('degrades a silent node, then takes it offline', () => {
    const node = { status: 'healthy' as const, enrolledAt: ago(3_600_000) };
    expect(statusAfterSilence({ ...node, lastHeartbeatAt: ago(60_000) }, NOW, LIMITS)).toBe('healthy');
    expect(statusAfterSilence({ ...node, lastHeartbeatAt: ago(121_000) }, NOW, LIMITS)).toBe('degraded');
    expect(statusAfterSilence({ ...node, lastHeartbeatAt: ago(601_000) }, NOW, LIMITS)).toBe('offline');
  });

  it('keeps an offline node offline until it beats again', () => {
    const node = { status: 'offline' as const, enrolledAt: ago(3_600_000), lastHeartbeatAt: ago(300_000) };
    expect(statusAfterSilence(node, NOW, LIMITS)).toBe('offline');
  });

  it('counts from enrolment when the node never sent a heartbeat', () => {
    const node = { status: 'enrolled' as const, lastHeartbeatAt: null };
    expect(statusAfterSilence({ ...node, enrolledAt: ago(10_000) }, NOW, LIMITS)).toBe('enrolled');
    expect(statusAfterSilence({ ...node, enrolledAt: ago(700_000) }, NOW, LIMITS)).toBe('offline');
  });

  it('leaves nodes with nothing to miss as they are', () => {
    for (const status of ['installing', 'wiped'] as const)
      expect(
        statusAfterSilence({ status, enrolledAt: ago(3_600_000), lastHeartbeatAt: ago(3_600_000) }, NOW, LIMITS),
      ).toBe(status);
    expect(statusAfterSilence({ status: 'healthy', enrolledAt: null, lastHeartbeatAt: null }, NOW, LIMITS)).toBe(
      'healthy',
    );
  });
});

describe('hashEnrolmentToken', () => {
  it('is the SHA-256 of the token, hex', () => {
    expect(hashEnrolmentToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
