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

  describe('a create whose answer is lost or that finds the record already there (81057/81058)', () => {
    const arm = async (fault: Record<string, unknown>) => {
      const res = await fetch(`${sandbox.url}/cloudflare/_test/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      });
      expect(res.status).toBe(200);
    };
    const dnsCreates = async () =>
      ((await (await fetch(`${sandbox.url}/cloudflare/_test/faults`)).json()) as { dnsCreates: number }).dnsCreates;

    it('lost answer: the create was applied, the same call finds it, one record, the POST sent once', async () => {
      const before = await dnsCreates();
      await arm({ fault: 'lose_response' });
      const { record, action } = await dns.upsert('lost.enclave.test', '192.0.2.20');
      expect(action).toBe('created');
      expect(record).toMatchObject({ type: 'A', content: '192.0.2.20', proxied: true });
      expect(await dns.find('lost.enclave.test')).toEqual([
        { id: record.id, name: 'lost.enclave.test', type: 'A', content: '192.0.2.20', proxied: true },
      ]);
      expect(await dnsCreates()).toBe(before + 1); // neither the SDK nor we re-sent the create
      expect((await dns.upsert('lost.enclave.test', '192.0.2.20')).action).toBe('unchanged');
    });

    it('81058 from another writer between lookup and create: its record is reconciled (proxied), not duplicated', async () => {
      await arm({
        fault: 'concurrent_create',
        record: { type: 'A', name: 'race.enclave.test', content: '192.0.2.30', proxied: false, ttl: 300 },
      });
      const { record, action } = await dns.upsert('race.enclave.test', '192.0.2.30');
      expect(action).toBe('updated');
      expect(await dns.find('race.enclave.test')).toEqual([
        { id: record.id, name: 'race.enclave.test', type: 'A', content: '192.0.2.30', proxied: true },
      ]);
    });

    it('an existing record with other content is updated in place: no create is sent', async () => {
      await dns.upsert('moved.enclave.test', '192.0.2.40');
      const before = await dnsCreates();
      const { record, action } = await dns.upsert('moved.enclave.test', '192.0.2.41');
      expect(action).toBe('updated');
      expect(await dns.find('moved.enclave.test')).toEqual([
        { id: record.id, name: 'moved.enclave.test', type: 'A', content: '192.0.2.41', proxied: true },
      ]);
      expect(await dnsCreates()).toBe(before);
    });
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
