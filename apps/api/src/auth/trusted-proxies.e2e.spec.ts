import { loadConfig } from '@enclave/platform';
import { type ApiHarness, startApiHarness } from '../../test/api-harness';

/** Behind a load balancer, the client is the address the trusted proxy forwards, and only then. */
describe('client addresses behind trusted proxies (TRUSTED_PROXIES)', () => {
  const clientOfSignIn = async (api: ApiHarness, forwardedFor: string) => {
    await api
      .http()
      .post('/api/auth/email')
      .set('X-Forwarded-For', forwardedFor)
      .send({ email: `proxy-${Date.now()}@example.com` })
      .expect(202);
    const [event] = (await api.dataSource.query('SELECT ip FROM audit_events ORDER BY id DESC LIMIT 1')) as Array<{
      ip: string | null;
    }>;
    return event.ip;
  };

  it('believes X-Forwarded-For from a listed proxy (loopback by default), not from others; refuses a host name', async () => {
    const byDefault = await startApiHarness();
    const elsewhere = await startApiHarness({ TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' });
    try {
      expect(await clientOfSignIn(byDefault, '203.0.113.7')).toBe('203.0.113.7');
      // The test talks from 127.0.0.1, which is not in 10.0.0.0/8: the header is the caller's claim.
      expect(await clientOfSignIn(elsewhere, '203.0.113.7')).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      // A host name is not something Express can match a peer address against.
      expect(() => loadConfig({ ...byDefault.env, TRUSTED_PROXIES: 'my-load-balancer' })).toThrow(/TRUSTED_PROXIES/);
    } finally {
      await byDefault.close();
      await elsewhere.close();
    }
  });
});
