import { heartbeatRequestSchema } from './node-to-control-plane';
import { applyConfigRequestSchema } from './schemas';
import { createPublicKey } from 'node:crypto';
import {
  generateSigningKeyPair,
  InMemoryNonceStore,
  parsePublicKey,
  PROTOCOL_HEADERS,
  publicKeyFingerprint,
  signRequest,
  verifyRequest,
} from './signing';

describe('node protocol signatures', () => {
  const cp = generateSigningKeyPair();
  const other = generateSigningKeyPair();
  const body = JSON.stringify({ revision: 1 });

  const verify = (headers: Record<string, string>, over: Partial<Parameters<typeof verifyRequest>[0]> = {}) =>
    verifyRequest({
      method: 'PUT',
      path: '/v1/config',
      body,
      headers,
      publicKey: cp.publicKeyPem,
      nonceStore: new InMemoryNonceStore(),
      ...over,
    });

  it('accepts a correctly signed request once, refuses the replay', async () => {
    const headers = signRequest({ method: 'PUT', path: '/v1/config', body, privateKey: cp.privateKeyPem });
    const store = new InMemoryNonceStore();
    expect(await verify(headers, { nonceStore: store })).toEqual({ ok: true, keyIndex: 0 });
    expect(await verify(headers, { nonceStore: store })).toEqual({ ok: false, reason: 'replayed_nonce' });
  });

  it('refuses other keys, altered method/path/body, stale timestamps and missing headers', async () => {
    const headers = signRequest({ method: 'PUT', path: '/v1/config', body, privateKey: cp.privateKeyPem });
    expect(
      await verify(signRequest({ method: 'PUT', path: '/v1/config', body, privateKey: other.privateKeyPem })),
    ).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await verify(headers, { method: 'POST' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await verify(headers, { path: '/v1/wipe' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await verify(headers, { body: '{"revision":2}' })).toEqual({ ok: false, reason: 'bad_signature' });
    const old = signRequest({
      method: 'PUT',
      path: '/v1/config',
      body,
      privateKey: cp.privateKeyPem,
      now: new Date(Date.now() - 301_000),
    });
    expect(await verify(old)).toEqual({ ok: false, reason: 'stale_timestamp' });
    const { [PROTOCOL_HEADERS.signature]: _omit, ...unsigned } = headers;
    expect(await verify(unsigned)).toEqual({ ok: false, reason: 'missing_headers' });
  });

  it('does not remember nonces of requests with bad signatures', async () => {
    const store = new InMemoryNonceStore();
    const good = signRequest({ method: 'PUT', path: '/v1/config', body, privateKey: cp.privateKeyPem });
    const forged = {
      ...good,
      [PROTOCOL_HEADERS.signature]: signRequest({
        method: 'PUT',
        path: '/v1/config',
        body,
        privateKey: other.privateKeyPem,
        nonce: good[PROTOCOL_HEADERS.nonce],
      })[PROTOCOL_HEADERS.signature],
    };
    expect((await verify(forged, { nonceStore: store })).ok).toBe(false);
    expect(await verify(good, { nonceStore: store })).toEqual({ ok: true, keyIndex: 0 });
  });

  it('with several trusted keys (a key rotation), says which one signed', async () => {
    const headers = signRequest({ method: 'PUT', path: '/v1/config', body, privateKey: cp.privateKeyPem });
    expect(await verify(headers, { publicKey: [other.publicKeyPem, parsePublicKey(cp.publicKeyPem)] })).toEqual({
      ok: true,
      keyIndex: 1,
    });
    expect(await verify(headers, { publicKey: [other.publicKeyPem] })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('fingerprints a key the same from PEM or KeyObject, and differently from another key', () => {
    const fingerprint = publicKeyFingerprint(cp.publicKeyPem);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(publicKeyFingerprint(createPublicKey(cp.publicKeyPem))).toBe(fingerprint);
    expect(publicKeyFingerprint(other.publicKeyPem)).not.toBe(fingerprint);
  });
});

describe('node protocol schemas', () => {
  it('rejects channels bound to unknown agents and duplicate ids', () => {
    const agent = {
      id: 'a1',
      name: 'A',
      instructions: 'be nice',
      provider: 'openai',
      model: 'gpt-4o-mini',
      enabled: true,
    };
    expect(
      applyConfigRequestSchema.safeParse({
        revision: 1,
        agents: [agent],
        channels: [{ id: 'c1', type: 'telegram', agentId: 'a1', enabled: true }],
      }).success,
    ).toBe(true);
    expect(
      applyConfigRequestSchema.safeParse({
        revision: 1,
        agents: [agent],
        channels: [{ id: 'c1', type: 'telegram', agentId: 'zz', enabled: true }],
      }).success,
    ).toBe(false);
    expect(applyConfigRequestSchema.safeParse({ revision: 1, agents: [agent, agent], channels: [] }).success).toBe(
      false,
    );
    expect(
      applyConfigRequestSchema.safeParse({ revision: 1, agents: [{ ...agent, extra: 1 }], channels: [] }).success,
    ).toBe(false);
  });

  it('heartbeat schema has no room for text', () => {
    expect(Object.keys(heartbeatRequestSchema.shape)).not.toContain('messages');
  });
});
