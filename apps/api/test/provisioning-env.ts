import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CloudflareStandIn, cloudflareStandIn, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import { generateSshKey } from '@enclave/testing';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const BUNDLE_CACHE = join(REPO_ROOT, 'tmp/provisioning-bundles');
export const DNS_ZONE = 'enclave.test';
export const CLOUDFLARE_TOKEN = 'provisioning-test-token';
const ORIGIN_CA_KEY = 'v1.0-provisioning-test-origin-ca-key';

/** What provisioning talks to and signs with: a Cloudflare stand-in, the control plane's keys, and the env naming them. */
export interface ProvisioningEnvironment {
  cf: CloudflareStandIn;
  cloudflare: RunningSandbox;
  zoneId: string;
  /** The client key every test sshd accepts (the control plane's SSH key). */
  sshKeyPath: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Starts the Cloudflare stand-in (DNS + Origin CA from a local test CA) and writes the Origin CA root,
 * the node-protocol signing key and the SSH key into `scratch`; `overrides` win over the env it builds.
 */
export async function startProvisioningEnvironment(
  scratch: string,
  overrides: NodeJS.ProcessEnv,
): Promise<ProvisioningEnvironment> {
  const cf = cloudflareStandIn({ zones: [DNS_ZONE], apiToken: CLOUDFLARE_TOKEN, originCaKey: ORIGIN_CA_KEY });
  const cloudflare = await startSandbox([cf], 0);
  const zoneId = cf.zoneId(DNS_ZONE);
  if (!zoneId) throw new Error(`the Cloudflare stand-in has no zone ${DNS_ZONE}`);
  const caPath = join(scratch, 'origin-ca.pem');
  writeFileSync(caPath, cf.originCa.certificatePem);
  const signingKeyPath = join(scratch, 'control-plane.ed25519.pem');
  writeFileSync(signingKeyPath, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const sshKeyPath = join(scratch, 'control-plane-ssh');
  generateSshKey(sshKeyPath, 'enclave-control-plane');

  const provisioningEnv: NodeJS.ProcessEnv = {
    NODE_PROTOCOL_SIGNING_KEY_PATH: signingKeyPath,
    PROVISIONING_SSH_KEY_PATH: sshKeyPath,
    PROVISIONING_SSH_CONNECT_TIMEOUT_MS: '3000',
    PROVISIONING_SSH_KEEPALIVE_MS: '2000',
    PROVISIONING_BUNDLE_CACHE_DIR: BUNDLE_CACHE,
    PROVISIONING_SOURCE_ROOT: REPO_ROOT,
    PROVISIONING_NODE_MEMORY_MAX: '512M',
    PROVISIONING_NODE_HEARTBEAT_MS: '1000',
    PROVISIONING_WAIT_TIMEOUT_MS: '45000',
    PROVISIONING_JOB_LOCK_MS: '3000',
    PROVISIONING_RECONCILE_INTERVAL_MS: '0',
    NODE_DNS_ZONE: DNS_ZONE,
    CLOUDFLARE_API_URL: `${cloudflare.url}/cloudflare/client/v4`,
    CLOUDFLARE_API_TOKEN: CLOUDFLARE_TOKEN,
    CLOUDFLARE_ZONE_ID: zoneId,
    CLOUDFLARE_ORIGIN_CA_KEY: ORIGIN_CA_KEY,
    CLOUDFLARE_ORIGIN_CA_ROOT_PATH: caPath,
    ...overrides,
  };
  return { cf, cloudflare, zoneId, sshKeyPath, env: provisioningEnv };
}
