import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NodeLifecycleClient, type NodeEndpoint, readOriginCaRoot } from '@enclave/node-delivery';
import type { HostEntity, HostProviderName } from '@enclave/persistence';
import { CONFIG, type ControlPlaneConfig, SENSITIVE_CONFIG_KEYS } from '@enclave/platform';
import { DataSource } from 'typeorm';
import { type AgentNodeBundle, buildAgentNodeBundle } from '../bundle/bundle-builder';
import { CloudflareDnsClient, OriginCaClient } from '../dns/cloudflare-dns.client';
import type { HostProvider } from '../hosts/host-provider';
import { OvhcloudHostProvider } from '../hosts/ovhcloud-host.provider';
import { PoolHostProvider } from '../hosts/pool-host.provider';
import { type CommandRecord, SshSession, type SshOptions } from '../ssh/ssh-executor';

export class ProvisioningNotConfiguredError extends Error {
  constructor(what: string) {
    super(`provisioning is not configured: ${what}`);
    this.name = 'ProvisioningNotConfiguredError';
  }
}

/**
 * The technology the provisioning engine drives, built from configuration once: SSH key,
 * bundle, Cloudflare clients, node client, host providers. Missing settings fail the step
 * that needs them with a message naming the variable.
 */
@Injectable()
export class ProvisioningRuntime {
  private bundlePromise: Promise<AgentNodeBundle> | undefined;
  private signingKey: KeyObject | undefined;
  readonly dns: CloudflareDnsClient;
  readonly originCa: OriginCaClient;
  private readonly providers: Record<HostProviderName, HostProvider>;

  constructor(
    @Inject(CONFIG) readonly config: ControlPlaneConfig,
    @InjectDataSource() dataSource: DataSource,
  ) {
    const cloudflare = {
      apiUrl: config.CLOUDFLARE_API_URL,
      apiToken: config.CLOUDFLARE_API_TOKEN,
      zoneId: config.CLOUDFLARE_ZONE_ID,
      originCaKey: config.CLOUDFLARE_ORIGIN_CA_KEY,
    };
    this.dns = new CloudflareDnsClient(cloudflare);
    this.originCa = new OriginCaClient(cloudflare);
    this.providers = { pool: new PoolHostProvider(), ovhcloud: new OvhcloudHostProvider(config, dataSource) };
  }

  /**
   * The values of the sensitive settings that are set (Cloudflare and OVHcloud credentials among
   * them): a provider error echoing one is scrubbed by value, since no token shape knows most.
   */
  knownSecrets(): string[] {
    const config = this.config as unknown as Record<string, unknown>;
    return [...SENSITIVE_CONFIG_KEYS].map((key) => config[key]).filter((v): v is string => typeof v === 'string');
  }

  provider(name: HostProviderName = this.config.PROVISIONING_HOST_PROVIDER): HostProvider {
    return this.providers[name];
  }

  sshOptions(): SshOptions {
    const path = this.config.PROVISIONING_SSH_KEY_PATH;
    if (!path) throw new ProvisioningNotConfiguredError('PROVISIONING_SSH_KEY_PATH is not set');
    return {
      privateKey: readFileSync(path),
      connectTimeoutMs: this.config.PROVISIONING_SSH_CONNECT_TIMEOUT_MS,
      keepaliveIntervalMs: this.config.PROVISIONING_SSH_KEEPALIVE_MS,
      keepaliveCountMax: 3,
      commandTimeoutMs: this.config.PROVISIONING_SSH_COMMAND_TIMEOUT_MS,
    };
  }

  openSsh(host: HostEntity, onCommand: (record: CommandRecord) => void): Promise<SshSession> {
    if (!host.hostKeyFingerprint) throw new ProvisioningNotConfiguredError(`host ${host.name} has no pinned host key`);
    return SshSession.open(
      { host: host.address, port: host.sshPort, username: host.sshUser, hostKeyFingerprint: host.hostKeyFingerprint },
      this.sshOptions(),
      onCommand,
    );
  }

  /** The bundle for the current sources (built once per process, cached on disk by input hash). */
  bundle(): Promise<AgentNodeBundle> {
    this.bundlePromise ??= buildAgentNodeBundle({
      repoRoot: resolve(this.config.PROVISIONING_SOURCE_ROOT),
      cacheDir: resolve(this.config.PROVISIONING_BUNDLE_CACHE_DIR),
    }).catch((error: unknown) => {
      this.bundlePromise = undefined;
      throw error;
    });
    return this.bundlePromise;
  }

  private key(): KeyObject {
    if (this.signingKey) return this.signingKey;
    const path = this.config.NODE_PROTOCOL_SIGNING_KEY_PATH;
    if (!path) throw new ProvisioningNotConfiguredError('NODE_PROTOCOL_SIGNING_KEY_PATH is not set');
    const key = createPrivateKey(readFileSync(path));
    if (key.asymmetricKeyType !== 'ed25519')
      throw new ProvisioningNotConfiguredError('NODE_PROTOCOL_SIGNING_KEY_PATH must hold an Ed25519 private key');
    this.signingKey = key;
    return key;
  }

  /** The control plane's public key, written into every node's config. */
  controlPlanePublicKeyPem(): string {
    return createPublicKey(this.key()).export({ type: 'spki', format: 'pem' }).toString();
  }

  /**
   * The control-plane keys every node should trust (SPKI PEMs): the signing key's public half,
   * and during a rotation the next key's (NODE_PROTOCOL_NEXT_PUBLIC_KEY_PATH).
   */
  trustedControlPlaneKeysPem(): string[] {
    const current = this.controlPlanePublicKeyPem();
    const nextPath = this.config.NODE_PROTOCOL_NEXT_PUBLIC_KEY_PATH;
    if (!nextPath) return [current];
    const next = createPublicKey(readFileSync(nextPath));
    if (next.asymmetricKeyType !== 'ed25519')
      throw new ProvisioningNotConfiguredError('NODE_PROTOCOL_NEXT_PUBLIC_KEY_PATH must hold an Ed25519 public key');
    const nextPem = next.export({ type: 'spki', format: 'pem' }).toString();
    return nextPem === current ? [current] : [current, nextPem];
  }

  controlPlaneUrlForNodes(): string {
    return (this.config.NODE_CONTROL_PLANE_URL ?? `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/api`).replace(
      /\/+$/,
      '',
    );
  }

  nodeClient(): NodeLifecycleClient {
    return new NodeLifecycleClient(this.key(), readOriginCaRoot(this.config));
  }

  nodeHostname(slug: string): string {
    return `${slug}.${this.config.NODE_DNS_ZONE}`;
  }

  nodeEndpoint(host: HostEntity, slug: string): NodeEndpoint {
    return { address: host.address, port: host.publicPort, hostname: this.nodeHostname(slug) };
  }
}
