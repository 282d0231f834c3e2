import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HostEntity } from '@enclave/persistence';
import type { ControlPlaneConfig } from '@enclave/platform';
import { utils } from 'ssh2';
import type { DataSource, EntityManager } from 'typeorm';
import { sshFingerprint } from '../ssh/ssh-executor';
import type { HostProvider } from './host-provider';
import { OvhcloudApiError, OvhcloudClient } from './ovhcloud.client';

interface OvhInstance {
  id: string;
  name: string;
  status: string;
  ipAddresses?: Array<{ ip: string; type: string; version: number }>;
}

/**
 * OVHcloud Public Cloud instances as hosts. The control plane generates the new host's SSH
 * host key pair, hands it to the instance in cloud-init user-data and keeps only the public
 * fingerprint (pinned like a pool host's): the private half exists in memory for one API call.
 */
export class OvhcloudHostProvider implements HostProvider {
  readonly name = 'ovhcloud' as const;
  private readonly client: OvhcloudClient;

  constructor(
    private readonly config: ControlPlaneConfig,
    private readonly dataSource: DataSource,
  ) {
    this.client = new OvhcloudClient({
      apiUrl: config.OVHCLOUD_API_URL,
      applicationKey: config.OVHCLOUD_APPLICATION_KEY,
      applicationSecret: config.OVHCLOUD_APPLICATION_SECRET,
      consumerKey: config.OVHCLOUD_CONSUMER_KEY,
    });
  }

  private project(): string {
    const id = this.config.OVHCLOUD_PROJECT_ID;
    if (!id || !this.config.OVHCLOUD_FLAVOR_ID || !this.config.OVHCLOUD_IMAGE_ID)
      throw new Error('OVHcloud is not configured: set OVHCLOUD_PROJECT_ID, OVHCLOUD_FLAVOR_ID and OVHCLOUD_IMAGE_ID');
    return encodeURIComponent(id);
  }

  /** Records the host (status creating); the instance is ordered in waitUntilReady, outside the transaction. */
  async allocate(manager: EntityManager, workspaceId: string): Promise<HostEntity> {
    const mine = await manager.findOneBy(HostEntity, { workspaceId });
    if (mine) return mine;
    return manager.save(
      HostEntity,
      manager.create(HostEntity, {
        provider: 'ovhcloud',
        name: `enclave-${workspaceId.slice(0, 8)}-${randomBytes(3).toString('hex')}`,
        address: '',
        sshPort: this.config.OVHCLOUD_SSH_PORT,
        sshUser: 'root',
        installRoot: this.config.OVHCLOUD_INSTALL_ROOT,
        nodePort: this.config.OVHCLOUD_NODE_PORT,
        publicPort: this.config.OVHCLOUD_PUBLIC_PORT,
        hostKeyFingerprint: null,
        status: 'creating',
        workspaceId,
        externalId: null,
      }),
    );
  }

  private controlPlaneAuthorizedKey(): string {
    const path = this.config.PROVISIONING_SSH_KEY_PATH;
    if (!path) throw new Error('PROVISIONING_SSH_KEY_PATH is not set');
    const parsed = utils.parseKey(readFileSync(path));
    if (parsed instanceof Error) throw parsed;
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    return `${key.type} ${key.getPublicSSH().toString('base64')} enclave-control-plane`;
  }

  private userData(hostPrivateKey: string, hostPublicKey: string): string {
    const indent = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n');
    return [
      '#cloud-config',
      'ssh_deletekeys: true',
      'ssh_genkeytypes: []',
      'ssh_keys:',
      '  ed25519_private: |',
      indent(hostPrivateKey),
      `  ed25519_public: ${hostPublicKey.trim()}`,
      'disable_root: false',
      'ssh_authorized_keys:',
      `  - ${this.controlPlaneAuthorizedKey()}`,
      // A non-standard SSH port (OVHCLOUD_SSH_PORT) is set before sshd first starts.
      ...(this.config.OVHCLOUD_SSH_PORT === 22
        ? []
        : [
            'bootcmd:',
            `  - [sh, -c, "mkdir -p /etc/ssh/sshd_config.d && echo 'Port ${this.config.OVHCLOUD_SSH_PORT}' > /etc/ssh/sshd_config.d/10-enclave-port.conf"]`,
          ]),
      '',
    ].join('\n');
  }

  private async findInstance(name: string): Promise<OvhInstance | undefined> {
    const instances = await this.client.request<OvhInstance[]>(
      'GET',
      `/cloud/project/${this.project()}/instance?region=${encodeURIComponent(this.config.OVHCLOUD_REGION)}`,
    );
    return instances.find((instance) => instance.name === name);
  }

  async waitUntilReady(host: HostEntity, log: (line: string) => void): Promise<HostEntity> {
    const project = this.project();
    let instance = host.externalId
      ? await this.client.request<OvhInstance>(
          'GET',
          `/cloud/project/${project}/instance/${encodeURIComponent(host.externalId)}`,
        )
      : await this.findInstance(host.name);
    if (!instance) {
      // New key pair for the new host; only its fingerprint is kept (pinned before the order).
      const pair = utils.generateKeyPairSync('ed25519', { comment: host.name });
      const parsed = utils.parseKey(pair.public);
      if (parsed instanceof Error) throw parsed;
      const publicKey = Array.isArray(parsed) ? parsed[0] : parsed;
      host.hostKeyFingerprint = sshFingerprint(publicKey.getPublicSSH());
      await this.persist(host);
      instance = await this.client.request<OvhInstance>('POST', `/cloud/project/${project}/instance`, {
        name: host.name,
        flavorId: this.config.OVHCLOUD_FLAVOR_ID,
        imageId: this.config.OVHCLOUD_IMAGE_ID,
        region: this.config.OVHCLOUD_REGION,
        monthlyBilling: false,
        userData: this.userData(pair.private, pair.public),
      });
      log(
        `ordered OVHcloud instance ${instance.id} (${host.name}); host key fingerprint ${host.hostKeyFingerprint} pinned`,
      );
    }
    host.externalId = instance.id;
    await this.persist(host);
    const deadline = Date.now() + 15 * 60_000;
    while (instance.status !== 'ACTIVE') {
      if (instance.status === 'ERROR') throw new Error(`OVHcloud instance ${instance.id} is in ERROR`);
      if (Date.now() > deadline) throw new Error(`OVHcloud instance ${instance.id} not active after 15 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      instance = await this.client.request<OvhInstance>(
        'GET',
        `/cloud/project/${project}/instance/${encodeURIComponent(instance.id)}`,
      );
    }
    const address =
      instance.ipAddresses?.find((ip) => ip.type === 'public' && ip.version === 4)?.ip ??
      instance.ipAddresses?.find((ip) => ip.type === 'public')?.ip;
    if (!address) throw new Error(`OVHcloud instance ${instance.id} has no public address`);
    host.address = address;
    host.status = 'allocated';
    await this.persist(host);
    log(`OVHcloud instance ${instance.id} active at ${address}`);
    return host;
  }

  async release(manager: EntityManager, host: HostEntity): Promise<void> {
    if (host.externalId) {
      try {
        await this.client.request(
          'DELETE',
          `/cloud/project/${this.project()}/instance/${encodeURIComponent(host.externalId)}`,
        );
      } catch (error) {
        if (!(error instanceof OvhcloudApiError && error.status === 404)) throw error;
      }
    }
    await manager.update(HostEntity, { id: host.id }, { status: 'retired', workspaceId: null });
  }

  /** Saves what is learnt while waiting (fingerprint, instance id, address) right away: resumable. */
  private async persist(host: HostEntity): Promise<void> {
    await this.dataSource.getRepository(HostEntity).update(
      { id: host.id },
      {
        hostKeyFingerprint: host.hostKeyFingerprint,
        externalId: host.externalId,
        address: host.address,
        status: host.status,
      },
    );
  }
}
