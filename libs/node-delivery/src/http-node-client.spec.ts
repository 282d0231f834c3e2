import { generateSigningKeyPair, InMemoryNonceStore, verifyRequest } from '@enclave/node-protocol';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpNodeClient } from './http-node-client';
import { NodeCallError } from './node-call-error';

describe('HttpNodeClient (signed control plane → node calls)', () => {
  const keys = generateSigningKeyPair();
  const nonces = new InMemoryNonceStore();
  let server: Server;
  let baseUrl: string;
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  const seen: Array<{ method: string; path: string; body: string; verified: boolean }> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        void verifyRequest({
          method: req.method ?? '',
          path: req.url ?? '',
          body,
          headers: req.headers,
          publicKey: keys.publicKeyPem,
          nonceStore: nonces,
        }).then((v) => {
          seen.push({ method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8'), verified: v.ok });
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.body));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs every call so the node can verify it (path with query string included)', async () => {
    const client = new HttpNodeClient(keys.privateKeyPem, 2_000);
    answer = { status: 200, body: { kind: 'openai_api_key', scope: 'default', storedAt: new Date().toISOString() } };
    await client.putSecret({ nodeId: 'n1', baseUrl }, 'openai_api_key', 'default', 'sk-unit-secret-value-0000');
    answer = { status: 200, body: { kind: 'telegram_bot_token', scope: 'ch-1', deleted: true } };
    await expect(client.deleteSecret({ nodeId: 'n1', baseUrl }, 'telegram_bot_token', 'ch-1')).resolves.toBe(true);
    expect(seen.map((s) => [s.method, s.path, s.verified])).toEqual([
      ['PUT', '/v1/secrets/openai_api_key', true],
      ['DELETE', '/v1/secrets/telegram_bot_token?scope=ch-1', true],
    ]);
    expect(JSON.parse(seen[0].body)).toEqual({ value: 'sk-unit-secret-value-0000', scope: 'default' });
  });

  it('turns node errors into codes that never carry the request body', async () => {
    const client = new HttpNodeClient(keys.privateKeyPem, 2_000);
    answer = {
      status: 409,
      body: { error: { code: 'stale_config', message: 'older', details: { appliedRevision: 7 } } },
    };
    const error = await client
      .applyConfig({ nodeId: 'n1', baseUrl }, { revision: 1, agents: [], channels: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeCallError);
    expect(error).toMatchObject({ code: 'stale_config', status: 409, details: { appliedRevision: 7 } });
    answer = { status: 500, body: { error: { code: 'internal_error', message: 'x' } } };
    const failed = (await client
      .putSecret({ nodeId: 'n1', baseUrl }, 'openai_api_key', 'default', 'sk-must-not-leak-0000')
      .catch((e: unknown) => e)) as Error;
    expect(failed.message).not.toContain('sk-must-not-leak');
    expect(JSON.stringify(failed)).not.toContain('sk-must-not-leak');
  });

  it('reports unreachable nodes and a missing signing key as codes', async () => {
    await expect(
      new HttpNodeClient(keys.privateKeyPem, 500).suspend({ nodeId: 'n1', baseUrl: 'http://127.0.0.1:1' }),
    ).rejects.toMatchObject({ code: 'unreachable' });
    await expect(new HttpNodeClient(null, 500).suspend({ nodeId: 'n1', baseUrl })).rejects.toMatchObject({
      code: 'not_configured',
    });
  });
});
