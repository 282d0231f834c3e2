import {
  generateSigningKeyPair,
  NODE_ROUTES,
  publicKeyFingerprint,
  signRequest,
  type Ed25519KeyPairPem,
  type ErrorBody,
  type SetTrustedKeysResponse,
} from '@enclave/node-protocol';
import { startNodeFixture, type NodeFixture } from '../testing/node-fixture';
import { jsonOf, waitFor } from '../testing/node-harness';

/** Rotating the control plane's signing key: the node trusts [current, next], then [next]. */
describe('trusted control-plane keys', () => {
  let f: NodeFixture;
  let current: Ed25519KeyPairPem;
  const next = generateSigningKeyPair();

  beforeAll(async () => {
    f = await startNodeFixture();
    current = f.cp.keys;
  });
  afterAll(() => f.close());

  /** A signed request to the node with any key (the fake control plane signs with `current`). */
  const send = (keys: Ed25519KeyPairPem, method: string, path: string, payload?: unknown) => {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const headers = {
      ...signRequest({ method, path, body, privateKey: keys.privateKeyPem }),
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
    return fetch(`${f.nodeUrl}${path}`, { method, headers, body: body || undefined });
  };
  const health = (keys: Ed25519KeyPairPem) => send(keys, 'GET', NODE_ROUTES.health.path).then((r) => r.status);
  const setKeys = (signer: Ed25519KeyPairPem, publicKeys: unknown) =>
    send(signer, 'PUT', NODE_ROUTES.setTrustedKeys.path, { publicKeys });

  it('refuses bad key sets with 4xx and keeps trusting the current key only', async () => {
    const unsigned = await fetch(`${f.nodeUrl}${NODE_ROUTES.setTrustedKeys.path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ publicKeys: [next.publicKeyPem] }),
    });
    expect(unsigned.status).toBe(401);
    const byStranger = await setKeys(next, [next.publicKeyPem]);
    expect(byStranger.status).toBe(401);
    const lockout = await setKeys(current, [next.publicKeyPem]);
    expect(lockout.status).toBe(422);
    expect((await jsonOf<ErrorBody>(lockout)).error).toMatchObject({
      code: 'validation_failed',
      message: 'the key that signed this request must stay trusted',
    });
    const rsa =
      '-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END PUBLIC KEY-----\n';
    for (const publicKeys of [
      [],
      [current.publicKeyPem, next.publicKeyPem, generateSigningKeyPair().publicKeyPem],
      [current.publicKeyPem, 'not a key, but long enough to pass the length check'],
      [current.publicKeyPem, rsa],
      'x',
    ]) {
      const res = await setKeys(current, publicKeys);
      expect([res.status, publicKeys]).toEqual([422, publicKeys]);
    }
    expect(await health(current)).toBe(200);
    expect(await health(next)).toBe(401);
  });

  it('rotates: [current, next] signed by current, then [next] signed by next; survives a restart', async () => {
    const both = await setKeys(current, [current.publicKeyPem, next.publicKeyPem]);
    expect(both.status).toBe(200);
    expect((await jsonOf<SetTrustedKeysResponse>(both)).fingerprints).toEqual([
      publicKeyFingerprint(current.publicKeyPem),
      publicKeyFingerprint(next.publicKeyPem),
    ]);
    expect(await health(current)).toBe(200);
    expect(await health(next)).toBe(200);

    const onlyNext = await setKeys(next, [next.publicKeyPem]);
    expect(onlyNext.status).toBe(200);
    expect(await health(next)).toBe(200);
    expect(await health(current)).toBe(401);

    await f.app.stop();
    await f.restart();
    // The first request after the restart may land on a pooled connection the old server closed.
    await waitFor(() =>
      health(next)
        .then(() => true)
        .catch(() => false),
    );
    expect(await health(next)).toBe(200);
    expect(await health(current)).toBe(401);
  });
});
