import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import Cloudflare from 'cloudflare';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { CLOUDFLARE_DEFAULT_ORIGIN_CA_KEY, CLOUDFLARE_DEFAULT_TOKEN, cloudflareStandIn } from './cloudflare.stand-in';
import { createCsr } from './origin-ca';

describe('Cloudflare stand-in', () => {
  let sandbox: RunningSandbox;
  let cf: Cloudflare;
  let zoneId: string;

  beforeAll(async () => {
    sandbox = await startSandbox([cloudflareStandIn({ zones: ['enclave.test'] })], 0);
    cf = new Cloudflare({
      apiToken: CLOUDFLARE_DEFAULT_TOKEN,
      baseURL: `${sandbox.url}/cloudflare/client/v4`,
      maxRetries: 0,
    });
  });
  afterAll(() => sandbox.close());

  it('lists the configured zone through the SDK', async () => {
    const page = await cf.zones.list({ name: 'enclave.test' });
    expect(page.result).toHaveLength(1);
    expect(page.result[0]).toMatchObject({ name: 'enclave.test', status: 'active' });
    zoneId = page.result[0].id;
    expect(zoneId).toMatch(/^[0-9a-f]{32}$/);
    expect((await cf.zones.get({ zone_id: zoneId })).name).toBe('enclave.test');
  });

  it('creates, finds, updates and deletes DNS records through the SDK', async () => {
    const created = await cf.dns.records.create({
      zone_id: zoneId,
      type: 'A',
      name: 'acme',
      content: '127.0.0.1',
      ttl: 1,
      proxied: false,
      comment: 'workspace acme',
    });
    expect(created).toMatchObject({
      name: 'acme.enclave.test',
      type: 'A',
      content: '127.0.0.1',
      ttl: 1,
      proxied: false,
      proxiable: true,
    });
    await cf.dns.records.create({
      zone_id: zoneId,
      type: 'TXT',
      name: '_acme.acme.enclave.test',
      content: 'hello',
      ttl: 120,
    });

    const found = await cf.dns.records.list({ zone_id: zoneId, name: { exact: 'acme.enclave.test' }, type: 'A' });
    expect(found.result.map((r) => r.id)).toEqual([created.id]);
    const byPlainName = await cf.dns.records.list({ zone_id: zoneId, name: 'acme.enclave.test' } as never);
    expect(byPlainName.result).toHaveLength(1);
    expect(found.result_info).toMatchObject({ page: 1, count: 1, total_count: 1 });

    const updated = await cf.dns.records.update(created.id, {
      zone_id: zoneId,
      type: 'A',
      name: 'acme.enclave.test',
      content: '127.0.0.2',
      ttl: 300,
    });
    expect(updated).toMatchObject({ id: created.id, content: '127.0.0.2', ttl: 300 });
    const patched = await cf.dns.records.edit(created.id, {
      zone_id: zoneId,
      type: 'A',
      name: 'acme.enclave.test',
      proxied: true,
    } as never);
    expect(patched).toMatchObject({ content: '127.0.0.2', proxied: true });
    expect(await cf.dns.records.get(created.id, { zone_id: zoneId })).toMatchObject({ content: '127.0.0.2' });

    const deleted = await cf.dns.records.delete(created.id, { zone_id: zoneId });
    expect(deleted).toEqual({ id: created.id });
    await expect(cf.dns.records.get(created.id, { zone_id: zoneId })).rejects.toMatchObject({ status: 404 });
  });

  it('paginates like v4 so the SDK iterator sees every record', async () => {
    for (let i = 0; i < 7; i++)
      await cf.dns.records.create({ zone_id: zoneId, type: 'A', name: `bulk-${i}`, content: `10.0.0.${i}`, ttl: 1 });
    const first = await cf.dns.records.list({ zone_id: zoneId, name: { startswith: 'bulk-' }, per_page: 3 } as never);
    expect(first.result_info).toMatchObject({ page: 1, per_page: 3, count: 3, total_count: 7, total_pages: 3 });
    const names: string[] = [];
    for await (const record of cf.dns.records.list({
      zone_id: zoneId,
      name: { startswith: 'bulk-' },
      per_page: 3,
    } as never))
      names.push(record.name);
    expect(names).toHaveLength(7);
  });

  it('answers bad input with the v4 error envelope', async () => {
    const raw = (path: string, init: RequestInit = {}) =>
      fetch(`${sandbox.url}/cloudflare/client/v4${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${CLOUDFLARE_DEFAULT_TOKEN}`,
          'content-type': 'application/json',
          ...(init.headers ?? {}),
        },
      });
    const badIp = await raw(`/zones/${zoneId}/dns_records`, {
      method: 'POST',
      body: JSON.stringify({ type: 'A', name: 'x', content: 'not-an-ip' }),
    });
    expect(badIp.status).toBe(400);
    expect(await badIp.json()).toEqual({
      success: false,
      errors: [
        {
          code: 1004,
          message: 'DNS Validation Error',
          error_chain: [{ code: 9005, message: 'Content for A record must be a valid IPv4 address.' }],
        },
      ],
      messages: [],
      result: null,
    });
    await cf.dns.records.create({ zone_id: zoneId, type: 'A', name: 'dup', content: '127.0.0.1', ttl: 1 });
    await expect(
      cf.dns.records.create({ zone_id: zoneId, type: 'A', name: 'dup', content: '127.0.0.1', ttl: 1 }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      cf.dns.records.create({ zone_id: zoneId, type: 'CNAME', name: 'dup', content: 'elsewhere.example.com', ttl: 1 }),
    ).rejects.toMatchObject({
      status: 400,
      errors: [{ code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists.' }],
    });
    const badJson = await raw(`/zones/${zoneId}/dns_records`, { method: 'POST', body: '{nope' });
    expect(badJson.status).toBe(400);
    const unauth = await fetch(`${sandbox.url}/cloudflare/client/v4/zones`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(unauth.status).toBe(403);
    expect(((await unauth.json()) as { errors: Array<{ code: number }> }).errors[0].code).toBe(10000);
    const wrongClient = new Cloudflare({
      apiToken: 'wrong',
      baseURL: `${sandbox.url}/cloudflare/client/v4`,
      maxRetries: 0,
    });
    await expect(wrongClient.zones.list()).rejects.toBeInstanceOf(Cloudflare.PermissionDeniedError);
    const noZone = await raw(`/zones/${'0'.repeat(32)}/dns_records`);
    expect(noZone.status).toBe(404);
  });

  it('issues Origin CA certificates for an openssl CSR and our own, usable for TLS', async () => {
    const ca = await (await fetch(`${sandbox.url}/cloudflare/_test/ca.pem`)).text();
    expect(ca).toContain('BEGIN CERTIFICATE');
    const caCert = new X509Certificate(ca);
    expect(caCert.ca).toBe(true);

    // A CSR made by openssl, as a host would make it.
    const dir = mkdtempSync(join(tmpdir(), 'origin-ca-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-new',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'req.csr'),
          '-subj',
          '/CN=acme.enclave.test',
        ],
        { stdio: 'ignore' },
      );
      const csr = readFileSync(join(dir, 'req.csr'), 'utf8');
      const key = readFileSync(join(dir, 'key.pem'), 'utf8');
      const issued = await cf.originCACertificates.create({
        csr,
        hostnames: ['acme.enclave.test', '*.acme.enclave.test'],
        request_type: 'origin-rsa',
        requested_validity: 90,
      });
      expect(issued.id).toMatch(/^\d+$/);
      expect(issued.expires_on).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000 UTC$/);
      const leaf = new X509Certificate(String(issued.certificate));
      expect(leaf.checkIssued(caCert)).toBe(true);
      expect(leaf.verify(caCert.publicKey)).toBe(true);
      expect(leaf.checkHost('acme.enclave.test')).toBe('acme.enclave.test');
      expect(leaf.checkHost('www.acme.enclave.test')).toBe('*.acme.enclave.test');

      // A real TLS handshake, trusting only the sandbox CA.
      const server = createServer({ key, cert: String(issued.certificate) }, (_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'acme.enclave.test', ca },
          () => {
            resolve(socket.authorized);
            socket.end();
          },
        );
        socket.on('error', reject);
      });
      server.close();
      expect(authorized).toBe(true);

      const fetched = await cf.originCACertificates.get(String(issued.id));
      expect(fetched.certificate).toBe(issued.certificate);
      expect(await cf.originCACertificates.delete(String(issued.id))).toMatchObject({
        id: issued.id,
        revoked_at: expect.any(String),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // An ECDSA CSR built in-process, sent with the Origin CA key header.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const res = await fetch(`${sandbox.url}/cloudflare/client/v4/certificates`, {
      method: 'POST',
      headers: { 'x-auth-user-service-key': CLOUDFLARE_DEFAULT_ORIGIN_CA_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        csr: createCsr(privateKey, 'beta.enclave.test'),
        hostnames: ['beta.enclave.test'],
        request_type: 'origin-ecc',
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; result: { requested_validity: number } };
    expect(body).toMatchObject({ success: true, result: { requested_validity: 5475 } });

    // Hostnames outside the account's zones and mismatched key types are refused.
    await expect(
      cf.originCACertificates.create({
        csr: createCsr(privateKey, 'x.example.com'),
        hostnames: ['x.example.com'],
        request_type: 'origin-ecc',
        requested_validity: 90,
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      cf.originCACertificates.create({
        csr: createCsr(privateKey, 'x.enclave.test'),
        hostnames: ['x.enclave.test'],
        request_type: 'origin-rsa',
        requested_validity: 90,
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      cf.originCACertificates.create({
        csr: 'garbage',
        hostnames: ['x.enclave.test'],
        request_type: 'origin-ecc',
        requested_validity: 90,
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('keeps the Origin CA across restarts when given a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'origin-ca-dir-'));
    try {
      const first = cloudflareStandIn({ caDir: dir });
      const second = cloudflareStandIn({ caDir: dir });
      expect(second.originCa.certificatePem).toBe(first.originCa.certificatePem);
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const issued = second.originCa.issue(publicKey.export({ type: 'spki', format: 'der' }), ['a.enclave.test'], 7);
      expect(new X509Certificate(issued.pem).checkIssued(new X509Certificate(first.originCa.certificatePem))).toBe(
        true,
      );
      expect(new X509Certificate(issued.pem).verify(new X509Certificate(first.originCa.certificatePem).publicKey)).toBe(
        true,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
