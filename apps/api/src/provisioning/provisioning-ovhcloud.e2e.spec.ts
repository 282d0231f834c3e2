import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostEntity, NodeEntity } from '@enclave/persistence';
import { OvhcloudClient } from '@enclave/provisioning';
import { freeTcpPort, startTestSshd, type TestSshd } from '@enclave/testing';
import { parse } from 'yaml';
import { OVH_DEFAULTS, ovhcloudStandIn, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import {
  eventually,
  type ProvisioningHarness,
  REPO_ROOT,
  startProvisioningHarness,
  type WorkerProcess,
} from '../../test/provisioning-harness';

/**
 * OVHcloud as the host provider, against the sandbox stand-in (signed API). The stand-in only
 * records instances, so this test plays cloud-init: it reads the user-data the control plane
 * sent (through a recording proxy in front of the stand-in) and boots a real sshd with the host
 * key and authorized key found there, on the address the stand-in reports (loopback).
 */
describe('provisioning on OVHcloud instances (stand-in API, real sshd as the VPS)', () => {
  let ovh: RunningSandbox;
  let proxy: Server;
  let h: ProvisioningHarness;
  let worker: WorkerProcess;
  let vps: TestSshd | undefined;
  const userData: string[] = [];
  let sshPort: number;
  let installRoot: string;
  let scratch: string;

  beforeAll(async () => {
    ovh = await startSandbox([ovhcloudStandIn({ buildMs: 500 })], 0);
    const target = new URL(ovh.url);
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'POST' && /\/instance$/.test(req.url ?? ''))
          userData.push((JSON.parse(body.toString('utf8')) as { userData: string }).userData);
        // Same path and Host header: the OVH signature covers the URL the client called.
        const upstream = request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/ovhcloud/1.0`;
    const client = new OvhcloudClient({
      apiUrl,
      applicationKey: OVH_DEFAULTS.applicationKey,
      applicationSecret: OVH_DEFAULTS.applicationSecret,
      consumerKey: OVH_DEFAULTS.consumerKey,
    });
    const flavors = await client.request<Array<{ id: string; name: string }>>(
      'GET',
      `/cloud/project/${OVH_DEFAULTS.projectId}/flavor?region=GRA11`,
    );
    const images = await client.request<Array<{ id: string; name: string }>>(
      'GET',
      `/cloud/project/${OVH_DEFAULTS.projectId}/image?region=GRA11`,
    );
    sshPort = await freeTcpPort();
    scratch = mkdtempSync(join(tmpdir(), 'enclave-ovh-'));
    chmodSync(scratch, 0o755);
    installRoot = join(scratch, 'enclave');
    h = await startProvisioningHarness({
      PROVISIONING_HOST_PROVIDER: 'ovhcloud',
      OVHCLOUD_API_URL: apiUrl,
      OVHCLOUD_APPLICATION_KEY: OVH_DEFAULTS.applicationKey,
      OVHCLOUD_APPLICATION_SECRET: OVH_DEFAULTS.applicationSecret,
      OVHCLOUD_CONSUMER_KEY: OVH_DEFAULTS.consumerKey,
      OVHCLOUD_PROJECT_ID: OVH_DEFAULTS.projectId,
      OVHCLOUD_REGION: 'GRA11',
      OVHCLOUD_FLAVOR_ID: flavors.find((f) => f.name === 'd2-2')!.id,
      OVHCLOUD_IMAGE_ID: images.find((i) => i.name === 'Debian 12')!.id,
      OVHCLOUD_SSH_PORT: String(sshPort),
      OVHCLOUD_INSTALL_ROOT: installRoot,
      OVHCLOUD_NODE_PORT: String(await freeTcpPort()),
      OVHCLOUD_PUBLIC_PORT: String(await freeTcpPort()),
    });
    worker = h.startWorker('ovh');
  }, 120_000);
  afterAll(async () => {
    await worker?.kill();
    await h?.close();
    await vps?.destroy();
    if (scratch) {
      // Whatever the outcome, stop and remove a node left on the "instance".
      try {
        execFileSync('bash', [join(REPO_ROOT, 'provisioning/host/wipe.sh'), installRoot], { stdio: 'ignore' });
      } catch {
        // best effort
      }
      rmSync(scratch, { recursive: true, force: true });
    }
    await new Promise((resolve) => proxy?.close(resolve));
    await ovh?.close();
  });

  it('orders an instance with a control-plane-generated host key, pins its fingerprint, provisions onto it, and deletes it on deprovision', async () => {
    const workspaceId = await h.paidWorkspace('ovh-one');
    // cloud-init: take the host key and authorized key from the user-data, start sshd.
    const data = await eventually(async () => userData[0], 60_000);
    expect(data.startsWith('#cloud-config\n')).toBe(true);
    const cloudConfig = parse(data) as {
      ssh_keys: { ed25519_private: string; ed25519_public: string };
      ssh_authorized_keys: string[];
      bootcmd?: unknown[];
    };
    expect(cloudConfig.ssh_authorized_keys[0]).toMatch(/^ssh-ed25519 /);
    expect(JSON.stringify(cloudConfig.bootcmd)).toContain(`Port ${sshPort}`);
    vps = await startTestSshd({
      hostPrivateKey: cloudConfig.ssh_keys.ed25519_private,
      authorizedKeys: cloudConfig.ssh_authorized_keys,
      port: sshPort,
    });

    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
    const host = await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ workspaceId });
    expect(host).toMatchObject({
      provider: 'ovhcloud',
      status: 'allocated',
      address: '127.0.0.1',
      sshPort,
      installRoot,
      hostKeyFingerprint: vps.hostKeyFingerprint,
    });
    expect(host.externalId).toBeTruthy();
    // Only the public fingerprint was kept: no private key anywhere in the database.
    const leaked = await h.api.dataSource.query(
      `SELECT count(*)::int AS n FROM hosts WHERE row_to_json(hosts)::text LIKE '%PRIVATE KEY%'`,
    );
    expect(leaked[0].n).toBe(0);
    expect(await h.dnsRecords('ovh-one.enclave.test')).toHaveLength(1);
    expect((await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ workspaceId })).status).toBe('healthy');

    await h.requestDeprovision(workspaceId);
    expect(await h.waitForStatus(workspaceId, 'deprovisioned', 120_000)).toBe('deprovisioned');
    expect(await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ id: host.id })).toMatchObject({
      status: 'retired',
      workspaceId: null,
    });
    const instances = (await (await fetch(`${ovh.url}/ovhcloud/_test/instances`)).json()) as Array<{
      id: string;
      deletedAt: string | null;
    }>;
    expect(instances.find((i) => i.id === host.externalId)?.deletedAt).toBeTruthy();
    expect(await h.dnsRecords('ovh-one.enclave.test')).toEqual([]);
  }, 300_000);
});
