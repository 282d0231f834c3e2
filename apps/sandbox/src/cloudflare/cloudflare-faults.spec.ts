import Cloudflare from 'cloudflare';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { CLOUDFLARE_DEFAULT_TOKEN, cloudflareStandIn } from './cloudflare.stand-in';

describe('Cloudflare stand-in: duplicate creates and the create faults', () => {
  let sandbox: RunningSandbox;
  let zoneId: string;
  const client = (maxRetries: number) =>
    new Cloudflare({ apiToken: CLOUDFLARE_DEFAULT_TOKEN, baseURL: `${sandbox.url}/cloudflare/client/v4`, maxRetries });
  const control = async (method: 'GET' | 'POST', body?: unknown) => {
    const res = await fetch(`${sandbox.url}/cloudflare/_test/faults`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const names = async (name: string) =>
    (await client(0).dns.records.list({ zone_id: zoneId, name: { exact: name } })).result.map((r) => r.content);

  beforeAll(async () => {
    const standIn = cloudflareStandIn({ zones: ['enclave.test'] });
    sandbox = await startSandbox([standIn], 0);
    zoneId = standIn.zoneId('enclave.test') ?? '';
  });
  afterAll(() => sandbox.close());

  it('answers an identical create as Cloudflare does: HTTP 400, 81058 in the v4 envelope', async () => {
    const post = () =>
      fetch(`${sandbox.url}/cloudflare/client/v4/zones/${zoneId}/dns_records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLOUDFLARE_DEFAULT_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'A', name: 'twice', content: '192.0.2.1', proxied: true, ttl: 1 }),
      });
    expect((await post()).status).toBe(200);
    const again = await post();
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      success: false,
      errors: [{ code: 81058, message: 'An identical record already exists.' }],
      messages: [],
      result: null,
    });
  });

  it('lose_response: the create is applied, the answer never comes; an SDK retry of the POST gets 81058', async () => {
    const { json: before } = await control('GET');
    expect((await control('POST', { fault: 'lose_response' })).json).toEqual({ pending: 1 });
    expect((await control('GET')).json.pending).toEqual(['lose_response']);
    const error = await client(1)
      .dns.records.create({ zone_id: zoneId, type: 'A', name: 'lost', content: '192.0.2.2', proxied: true, ttl: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Cloudflare.BadRequestError);
    expect((error as InstanceType<typeof Cloudflare.BadRequestError>).errors).toEqual([
      { code: 81058, message: 'An identical record already exists.' },
    ]);
    expect(await names('lost.enclave.test')).toEqual(['192.0.2.2']);
    expect((await control('GET')).json).toEqual({ pending: [], dnsCreates: Number(before.dnsCreates) + 2 });
    // Without the SDK's retry the client sees only the lost answer.
    await control('POST', { fault: 'lose_response' });
    await expect(
      client(0).dns.records.create({ zone_id: zoneId, type: 'A', name: 'lost2', content: '192.0.2.3', ttl: 1 }),
    ).rejects.toBeInstanceOf(Cloudflare.APIConnectionError);
    expect(await names('lost2.enclave.test')).toEqual(['192.0.2.3']);
  });

  it('concurrent_create: another writer gets there first', async () => {
    await control('POST', {
      fault: 'concurrent_create',
      record: { type: 'A', name: 'race.enclave.test', content: '192.0.2.4', proxied: false, ttl: 1 },
    });
    await expect(
      client(0).dns.records.create({ zone_id: zoneId, type: 'A', name: 'race', content: '192.0.2.4', ttl: 1 }),
    ).rejects.toMatchObject({ status: 400, errors: [{ code: 81058, message: 'An identical record already exists.' }] });
    expect(await names('race.enclave.test')).toEqual(['192.0.2.4']);
  });

  it('refuses an unknown fault', async () => {
    const { status, json } = await control('POST', { fault: 'explode' });
    expect(status).toBe(400);
    expect(json).toMatchObject({ success: false, errors: [{ code: 1004 }] });
    expect((await control('POST', { fault: 'concurrent_create' })).status).toBe(400);
  });
});
