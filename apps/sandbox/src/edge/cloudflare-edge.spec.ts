import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Cloudflare from 'cloudflare';
import { cloudflareStandIn } from '../cloudflare/cloudflare.stand-in';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { cloudflareEdgeFetch } from './cloudflare-edge';

describe('sandbox Cloudflare edge', () => {
  const cf = cloudflareStandIn({ zones: ['edge.test'], apiToken: 'edge-token' });
  let sandbox: RunningSandbox;
  let origin: Server;
  let originPort: number;
  const seen: Array<{ host?: string; path?: string; body: string; secret?: string }> = [];

  beforeAll(async () => {
    sandbox = await startSandbox([cf], 0);
    // The node's origin: HTTPS with a certificate from the sandbox Origin CA for its hostname.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issued = cf.originCa.issue(publicKey.export({ type: 'spki', format: 'der' }), ['shop.edge.test'], 30);
    origin = createServer(
      { key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: issued.pem },
      (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          seen.push({
            host: req.headers.host,
            path: req.url,
            body,
            secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined,
          });
          res.writeHead(200).end('ok');
        });
      },
    );
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originPort = (origin.address() as AddressInfo).port;
  });
  afterAll(async () => {
    origin.close();
    await sandbox.close();
  });

  it('delivers to a proxied record by name, over TLS verified against the Origin CA', async () => {
    const client = new Cloudflare({ apiToken: 'edge-token', baseURL: `${sandbox.url}/cloudflare/client/v4` });
    await client.dns.records.create({
      zone_id: cf.zoneId('edge.test')!,
      type: 'A',
      name: 'shop.edge.test',
      content: '127.0.0.1',
      proxied: true,
      ttl: 1,
    });
    const resolve = (hostname: string) => {
      const address = cf.proxiedOrigin(hostname);
      return address ? { address, port: originPort } : undefined;
    };
    const edge = cloudflareEdgeFetch({ resolve, originCaPem: () => cf.originCa.certificatePem });
    const response = await edge('https://shop.edge.test/telegram/webhook?x=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': 's3' },
      body: '{"update_id":1}',
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      { host: 'shop.edge.test', path: '/telegram/webhook?x=1', body: '{"update_id":1}', secret: 's3' },
    ]);
  });

  it('refuses an origin whose certificate is not from the Origin CA, and names without a record', async () => {
    const strangerCa = cloudflareStandIn({ zones: ['edge.test'] });
    const resolve = (hostname: string) => {
      const address = cf.proxiedOrigin(hostname);
      return address ? { address, port: originPort } : undefined;
    };
    const edge = cloudflareEdgeFetch({ resolve, originCaPem: () => strangerCa.originCa.certificatePem });
    await expect(edge('https://shop.edge.test/', { method: 'GET', headers: {} })).rejects.toThrow();
    const plain = cloudflareEdgeFetch({ resolve, originCaPem: () => cf.originCa.certificatePem });
    await expect(
      plain('https://unknown.edge.test/', { method: 'GET', headers: {}, signal: AbortSignal.timeout(2_000) }),
    ).rejects.toThrow();
  });
});
