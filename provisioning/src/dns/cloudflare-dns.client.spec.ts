import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { cloudflareStandIn, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import { createCsr } from '../tls/csr';
import { CloudflareDnsClient, CloudflareNotConfiguredError, OriginCaClient } from './cloudflare-dns.client';

describe('Cloudflare DNS and Origin CA through the official SDK (sandbox stand-in)', () => {
  let sandbox: RunningSandbox;
  let dns: CloudflareDnsClient;
  let originCa: OriginCaClient;
  let caPem: string;
  let zoneId: string;

  beforeAll(async () => {
    const standIn = cloudflareStandIn({
      zones: ['enclave.test'],
      apiToken: 'unit-token',
      originCaKey: 'v1.0-unit-ca-key',
    });
    sandbox = await startSandbox([standIn], 0);
    caPem = standIn.originCa.certificatePem;
    zoneId = standIn.zoneId('enclave.test') ?? '';
    const settings = {
      apiUrl: `${sandbox.url}/cloudflare/client/v4`,
      apiToken: 'unit-token',
      zoneId,
      originCaKey: 'v1.0-unit-ca-key',
    };
    dns = new CloudflareDnsClient(settings);
    originCa = new OriginCaClient(settings);
  });
  afterAll(() => sandbox.close());

  it('creates, leaves alone, updates, de-duplicates and removes the record: never two for a name', async () => {
    expect((await dns.upsert('acme.enclave.test', '192.0.2.10')).action).toBe('created');
    expect((await dns.upsert('acme.enclave.test', '192.0.2.10')).action).toBe('unchanged');
    expect((await dns.upsert('acme.enclave.test', '192.0.2.11')).action).toBe('updated');
    expect(await dns.find('acme.enclave.test')).toEqual([
      expect.objectContaining({ type: 'A', content: '192.0.2.11', proxied: true }),
    ]);
    // A stray duplicate made behind our back, and a switch of address family.
    const stray = await fetch(`${sandbox.url}/cloudflare/client/v4/zones/${zoneId}/dns_records`, {
      method: 'POST',
      headers: { authorization: 'Bearer unit-token', 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'A', name: 'acme.enclave.test', content: '192.0.2.99', proxied: false, ttl: 1 }),
    });
    expect(stray.status).toBe(200);
    expect(await dns.find('acme.enclave.test')).toHaveLength(2);
    expect((await dns.upsert('acme.enclave.test', '192.0.2.11')).action).toBe('updated'); // the stray is gone
    expect(await dns.find('acme.enclave.test')).toEqual([expect.objectContaining({ content: '192.0.2.11' })]);
    const { record } = await dns.upsert('acme.enclave.test', '2001:db8::1');
    expect(record.type).toBe('AAAA');
    expect(await dns.find('acme.enclave.test')).toHaveLength(1);
    expect(await dns.remove('acme.enclave.test')).toBe(1);
    expect(await dns.find('acme.enclave.test')).toEqual([]);
    expect(await dns.remove('acme.enclave.test')).toBe(0);
  });

  it('gets an origin certificate for a CSR made with createCsr, and revokes it', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const csr = createCsr(privateKey, 'acme.enclave.test');
    expect(
      execFileSync('openssl', ['req', '-noout', '-verify'], { input: csr, stdio: ['pipe', 'pipe', 'pipe'] }).toString(),
    ).toBe('');
    const issued = await originCa.issue(csr, ['acme.enclave.test']);
    const cert = new X509Certificate(issued.certificate);
    expect(cert.checkHost('acme.enclave.test')).toBe('acme.enclave.test');
    expect(cert.verify(new X509Certificate(caPem).publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })))).toBe(true);
    await originCa.revoke(issued.id);
    await originCa.revoke(issued.id); // already revoked: fine
  });

  it('names the missing settings', async () => {
    await expect(
      new CloudflareDnsClient({ apiUrl: `${sandbox.url}/cloudflare/client/v4` }).find('x.enclave.test'),
    ).rejects.toBeInstanceOf(CloudflareNotConfiguredError);
  });
});
