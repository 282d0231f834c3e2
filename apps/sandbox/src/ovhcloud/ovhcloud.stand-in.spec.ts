import { type RunningSandbox, startSandbox } from '../sandbox';
import { OVH_DEFAULTS, ovhcloudStandIn, ovhSignature } from './ovhcloud.stand-in';

describe('OVHcloud stand-in', () => {
  let sandbox: RunningSandbox;
  let base: string;

  beforeAll(async () => {
    sandbox = await startSandbox([ovhcloudStandIn({ buildMs: 50, instanceIp: '127.0.0.1' })], 0);
    base = `${sandbox.url}/ovhcloud/1.0`;
  });
  afterAll(() => sandbox.close());

  /** A signed call exactly as OVH's clients make it, using the server time. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    tamper: { secret?: string; timestamp?: number; appKey?: string } = {},
  ) {
    const serverTime = (await (await fetch(`${base}/auth/time`)).json()) as number;
    const timestamp = tamper.timestamp ?? serverTime;
    const url = `${base}${path}`;
    const payload = body === undefined ? '' : JSON.stringify(body);
    const res = await fetch(url, {
      method,
      headers: {
        'content-type': 'application/json;charset=utf-8',
        'x-ovh-application': tamper.appKey ?? OVH_DEFAULTS.applicationKey,
        'x-ovh-consumer': OVH_DEFAULTS.consumerKey,
        'x-ovh-timestamp': String(timestamp),
        'x-ovh-signature': ovhSignature(
          tamper.secret ?? OVH_DEFAULTS.applicationSecret,
          OVH_DEFAULTS.consumerKey,
          method,
          url,
          payload,
          timestamp,
        ),
      },
      body: payload || undefined,
    });
    return { status: res.status, body: (await res.json()) as unknown };
  }

  it('serves /auth/time unsigned', async () => {
    const time = (await (await fetch(`${base}/auth/time`)).json()) as number;
    expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(5);
  });

  it('creates, lists and deletes an instance with signed requests', async () => {
    const project = OVH_DEFAULTS.projectId;
    const flavors = (await call('GET', `/cloud/project/${project}/flavor?region=GRA11`)).body as Array<{
      id: string;
      name: string;
    }>;
    const images = (await call('GET', `/cloud/project/${project}/image?region=GRA11`)).body as Array<{
      id: string;
      name: string;
    }>;
    const key = await call('POST', `/cloud/project/${project}/sshkey`, {
      name: 'enclave',
      publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl enclave',
    });
    expect(key.status).toBe(200);
    const created = await call('POST', `/cloud/project/${project}/instance`, {
      name: 'ws-acme',
      flavorId: flavors.find((f) => f.name === 'b3-8')?.id,
      imageId: images.find((i) => i.name === 'Debian 12')?.id,
      region: 'GRA11',
      sshKeyId: (key.body as { id: string }).id,
    });
    expect(created.status).toBe(200);
    const instance = created.body as { id: string; status: string; ipAddresses: unknown[] };
    expect(instance).toMatchObject({ status: 'BUILD', ipAddresses: [] });
    await new Promise((r) => setTimeout(r, 80));
    const ready = await call('GET', `/cloud/project/${project}/instance/${instance.id}`);
    expect(ready.body).toMatchObject({
      id: instance.id,
      status: 'ACTIVE',
      ipAddresses: [{ ip: '127.0.0.1', type: 'public', version: 4 }],
    });
    expect(((await call('GET', `/cloud/project/${project}/instance`)).body as unknown[]).length).toBe(1);

    const deleted = await call('DELETE', `/cloud/project/${project}/instance/${instance.id}`);
    expect(deleted).toEqual({ status: 200, body: null });
    const gone = await call('GET', `/cloud/project/${project}/instance/${instance.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ class: 'Client::NotFound' });
  });

  it('refuses bad signatures, stale timestamps, unknown keys and bad bodies', async () => {
    const project = OVH_DEFAULTS.projectId;
    expect(await call('GET', `/cloud/project/${project}/instance`, undefined, { secret: 'wrong' })).toEqual({
      status: 400,
      body: { errorCode: 'INVALID_SIGNATURE', httpCode: '400 Bad Request', message: 'Invalid signature' },
    });
    expect(
      (
        await call('GET', `/cloud/project/${project}/instance`, undefined, {
          timestamp: Math.floor(Date.now() / 1000) - 3600,
        })
      ).body,
    ).toMatchObject({ errorCode: 'QUERY_TIME_OUT' });
    expect((await call('GET', `/cloud/project/${project}/instance`, undefined, { appKey: 'nope' })).status).toBe(403);
    const missing = await call('POST', `/cloud/project/${project}/instance`, { name: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ class: 'Client::BadRequest', message: '[flavorId] Property is mandatory' });
    expect((await call('GET', `/cloud/project/other/instance`)).status).toBe(404);
  });
});
