import { generateKeyPairSync } from 'node:crypto';
import { issueNodeSession, NODE_SESSION_MAX_SECONDS, verifyNodeSession } from './node-session';

const controlPlane = generateKeyPairSync('ed25519');
const attacker = generateKeyPairSync('ed25519');
const now = new Date('2026-12-01T10:00:00Z');
const workspaceId = 'b3c1a7e2-0000-4000-8000-000000000001';

function issue(overrides: Partial<Parameters<typeof issueNodeSession>[0]> = {}) {
  return issueNodeSession({
    userId: 'user-1',
    workspaceId,
    nodeId: 'node-a',
    role: 'member',
    privateKey: controlPlane.privateKey,
    now,
    ...overrides,
  });
}

function verifyAt(token: string, at: Date, publicKeys = [controlPlane.publicKey]) {
  return verifyNodeSession({ token, publicKeys, nodeId: 'node-a', now: at });
}

describe('node sessions', () => {
  it('carries who, which workspace, which role and expiry — valid until it expires', () => {
    const { token, expiresAt } = issue({ role: 'admin' });
    expect(expiresAt.getTime() - now.getTime()).toBe(NODE_SESSION_MAX_SECONDS * 1000);
    const result = verifyAt(token, new Date(now.getTime() + 14 * 60_000));
    expect(result).toEqual({
      ok: true,
      claims: { sub: 'user-1', ws: workspaceId, aud: 'node-a', role: 'admin', iat: 1796119200, exp: 1796119200 + 900 },
    });
    expect(verifyAt(token, new Date(expiresAt.getTime() + 60_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('caps the life at 15 minutes even when asked for more', () => {
    const { expiresAt } = issue({ ttlSeconds: 3600 });
    expect(expiresAt.getTime() - now.getTime()).toBe(900_000);
  });

  it('refuses a token signed by another key, and accepts either key during a rotation', () => {
    const forged = issue({ privateKey: attacker.privateKey }).token;
    expect(verifyAt(forged, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyAt(forged, now, [controlPlane.publicKey, attacker.publicKey]).ok).toBe(true);
  });

  it('refuses edited claims (a member raising their role) and tokens for another workspace (its node)', () => {
    const [header, claims, signature] = issue().token.split('.');
    const raised = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), role: 'owner' }),
    ).toString('base64url');
    expect(verifyAt(`${header}.${raised}.${signature}`, now)).toEqual({ ok: false, reason: 'bad_signature' });
    const other = issue({ workspaceId: 'b3c1a7e2-0000-4000-8000-000000000002', nodeId: 'node-b' }).token;
    expect(verifyAt(other, now)).toEqual({ ok: false, reason: 'other_node' });
  });

  it('refuses tokens from the future and malformed input without throwing', () => {
    const early = issue({ now: new Date(now.getTime() + 5 * 60_000) }).token;
    expect(verifyAt(early, now)).toEqual({ ok: false, reason: 'not_yet_valid' });
    for (const junk of ['', 'abc', 'a.b.c', `${'x'.repeat(50)}.${'y'.repeat(50)}.${'z'.repeat(86)}`]) {
      expect(verifyAt(junk, now)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
