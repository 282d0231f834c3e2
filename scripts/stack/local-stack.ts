import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { generateSshKey, startTestSshd, type TestSshd } from '@enclave/testing';
import { ApiClient, signInByMagicLink } from './browserless-client';
import { httpOk, type ManagedProcess, REPO_ROOT, startProcess, waitUntil } from './processes';

export const STAFF_EMAIL = 'staff@enclave.localhost';
export const NODE_ZONE = 'nodes.enclave.localhost';
const STRIPE_SECRET_KEY = 'sk_test_enclave_sandbox';
const STRIPE_WEBHOOK_SECRET = 'whsec_enclave_local_stack_0123456789';
const CLOUDFLARE_TOKEN = 'sandbox-cloudflare-api-token';
const ORIGIN_CA_KEY = 'v1.0-sandbox-origin-ca-key';

export interface StackPorts {
  api: number;
  sandbox: number;
  smtp: number;
  stripe: number;
  /** The local host: its sshd, the node's loopback port and its public HTTPS port (the edge's origin port). */
  sshd: number;
  nodeLocal: number;
  nodePublic: number;
}

export interface StackOptions {
  /** Keys, CA, host and logs live here (outside the repository). */
  stateDir: string;
  databaseUrl: string;
  redisPrefix: string;
  ports: StackPorts;
  logLevel?: string;
  /** Node heartbeat interval: short in the journey so usage shows up quickly. */
  heartbeatMs?: number;
}

export interface LocalStack {
  ports: StackPorts;
  apiUrl: string;
  sandboxUrl: string;
  stripeUrl: string;
  zoneId: string;
  originCaPem: string;
  env: NodeJS.ProcessEnv;
  host: { sshd: TestSshd; hostId: string; name: string };
  staff: ApiClient;
  logDir: string;
  stop(): Promise<void>;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

interface StackSecrets {
  pepper: string;
  encryptionKey: string;
}

/** The control plane's keys for this stack (the state directory starts empty on every run). */
function makeKeys(stateDir: string): { signingKeyPath: string; sshKeyPath: string; secrets: StackSecrets } {
  // Traversable: the local host's install root lives inside and its node runs as the `enclave`
  // user. The key files themselves are 0600.
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  chmodSync(stateDir, 0o755);
  const signingKeyPath = join(stateDir, 'control-plane.ed25519.pem');
  writeFileSync(signingKeyPath, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const sshKeyPath = join(stateDir, 'control-plane-ssh');
  generateSshKey(sshKeyPath, 'enclave-control-plane');
  return {
    signingKeyPath,
    sshKeyPath,
    secrets: { pepper: randomBytes(32).toString('base64url'), encryptionKey: randomBytes(32).toString('base64') },
  };
}

/**
 * The whole product on one machine, as separate processes like production: the sandbox
 * (every external service), the API (migrations on start), the worker, and one host — a real
 * OpenSSH server on loopback — registered in the pool by staff through the API.
 */
export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const { ports, stateDir } = options;
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const { signingKeyPath, sshKeyPath, secrets } = makeKeys(stateDir);
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
  const stripeUrl = `http://127.0.0.1:${ports.stripe}`;
  const processes: ManagedProcess[] = [];
  let sshd: TestSshd | undefined;
  const installRoot = join(stateDir, 'host', 'enclave');
  // The local host's node runs detached under its supervisor, as on a real host: the stack
  // stops it with everything else.
  const stopNode = () => {
    const script = join(installRoot, 'bin', 'nodectl.sh');
    if (existsSync(script)) execFileSync('bash', [script, installRoot, 'stop'], { stdio: 'ignore' });
  };
  const stop = async () => {
    for (const managed of processes.reverse()) await managed.stop();
    stopNode();
    await sshd?.stop();
  };

  for (const [name, port] of Object.entries(ports)) {
    if (!(await portIsFree(port)))
      throw new Error(`port ${port} (${name}) is already in use: is another Enclave demo still running?`);
  }
  try {
    processes.push(
      startProcess(
        'sandbox',
        'apps/sandbox/src/main.ts',
        {
          SANDBOX_PORT: String(ports.sandbox),
          SANDBOX_SMTP_PORT: String(ports.smtp),
          SANDBOX_STRIPE_PORT: String(ports.stripe),
          SANDBOX_PUBLIC_URL: sandboxUrl,
          SANDBOX_STRIPE_SECRET_KEY: STRIPE_SECRET_KEY,
          SANDBOX_STRIPE_WEBHOOK_URL: `${apiUrl}/api/stripe/webhook`,
          SANDBOX_STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET,
          SANDBOX_CLOUDFLARE_ZONE: NODE_ZONE,
          SANDBOX_CLOUDFLARE_API_TOKEN: CLOUDFLARE_TOKEN,
          SANDBOX_CLOUDFLARE_ORIGIN_CA_KEY: ORIGIN_CA_KEY,
          SANDBOX_CLOUDFLARE_CA_DIR: join(stateDir, 'sandbox-origin-ca'),
          SANDBOX_EDGE_ORIGIN_PORT: String(ports.nodePublic),
        },
        logDir,
      ),
    );
    await waitUntil('the sandbox', () => httpOk(`${sandboxUrl}/healthz`), 60_000);
    const zones = (await (await fetch(`${sandboxUrl}/cloudflare/_test/zones`)).json()) as Array<{
      id: string;
      name: string;
    }>;
    const zoneId = zones.find((zone) => zone.name === NODE_ZONE)!.id;
    const originCaPem = await (await fetch(`${sandboxUrl}/cloudflare/_test/ca.pem`)).text();
    const caPath = join(stateDir, 'origin-ca.pem');
    writeFileSync(caPath, originCaPem);

    const env: NodeJS.ProcessEnv = {
      NODE_ENV: 'development',
      LOG_LEVEL: options.logLevel ?? 'info',
      API_PORT: String(ports.api),
      PUBLIC_URL: apiUrl,
      DATABASE_URL: options.databaseUrl,
      DATABASE_MIGRATIONS_RUN: 'true',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: options.redisPrefix,
      SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
      STAFF_EMAILS: STAFF_EMAIL,
      GITHUB_CLIENT_ID: 'sandbox-github-client-id',
      GITHUB_CLIENT_SECRET: 'sandbox-github-client-secret',
      GITHUB_AUTHORIZATION_URL: `${sandboxUrl}/github/login/oauth/authorize`,
      GITHUB_TOKEN_URL: `${sandboxUrl}/github/login/oauth/access_token`,
      GITHUB_API_URL: `${sandboxUrl}/github/api`,
      GOOGLE_CLIENT_ID: 'sandbox-google-client-id.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'sandbox-google-client-secret',
      GOOGLE_AUTHORIZATION_URL: `${sandboxUrl}/google/o/oauth2/v2/auth`,
      GOOGLE_TOKEN_URL: `${sandboxUrl}/google/token`,
      GOOGLE_USERINFO_URL: `${sandboxUrl}/google/oauth2/v3/userinfo`,
      STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET,
      STRIPE_API_URL: stripeUrl,
      STRIPE_PLANS: JSON.stringify([
        {
          id: 'monthly',
          name: 'Monthly',
          stripePriceId: 'price_enclave_monthly',
          amount: 4900,
          currency: 'eur',
          interval: 'month',
        },
      ]),
      NODE_PROTOCOL_SIGNING_KEY_PATH: signingKeyPath,
      PROVISIONING_HOST_PROVIDER: 'pool',
      PROVISIONING_SSH_KEY_PATH: sshKeyPath,
      PROVISIONING_BUNDLE_CACHE_DIR: join(REPO_ROOT, 'tmp/provisioning-bundles'),
      PROVISIONING_SOURCE_ROOT: REPO_ROOT,
      PROVISIONING_NODE_MEMORY_MAX: '512M',
      PROVISIONING_NODE_HEARTBEAT_MS: String(options.heartbeatMs ?? 5_000),
      NODE_DNS_ZONE: NODE_ZONE,
      CLOUDFLARE_API_URL: `${sandboxUrl}/cloudflare/client/v4`,
      CLOUDFLARE_API_TOKEN: CLOUDFLARE_TOKEN,
      CLOUDFLARE_ZONE_ID: zoneId,
      CLOUDFLARE_ORIGIN_CA_KEY: ORIGIN_CA_KEY,
      CLOUDFLARE_ORIGIN_CA_ROOT_PATH: caPath,
      SECRET_PEPPER: secrets.pepper,
      SECRET_ENCRYPTION_KEY: secrets.encryptionKey,
      OPENAI_API_URL: `${sandboxUrl}/openai/v1`,
      ANTHROPIC_API_URL: `${sandboxUrl}/anthropic`,
      TELEGRAM_API_ROOT: `${sandboxUrl}/telegram`,
      WHATSAPP_GRAPH_API_URL: `${sandboxUrl}/whatsapp`,
    };
    processes.push(startProcess('api', 'apps/api/src/main.ts', env, logDir));
    await waitUntil('the API (migrations run on start)', () => httpOk(`${apiUrl}/api/health`), 120_000);
    processes.push(startProcess('worker', 'apps/worker/src/main.ts', env, logDir));

    // The local host: a real OpenSSH server whose host key is pinned when staff register it.
    const hostDir = join(stateDir, 'host');
    const hostKeyPath = join(hostDir, 'ssh_host_ed25519_key');
    mkdirSync(hostDir, { recursive: true, mode: 0o755 });
    chmodSync(hostDir, 0o755);
    generateSshKey(hostKeyPath, 'enclave-local-host');
    sshd = await startTestSshd({
      clientKeyPath: sshKeyPath,
      port: ports.sshd,
      hostPrivateKey: readFileSync(hostKeyPath, 'utf8'),
    });

    const staff = new ApiClient(apiUrl);
    staff.cookie = await signInByMagicLink(staff, sandboxUrl, STAFF_EMAIL);
    const name = `local-${ports.sshd}`;
    const { id: hostId } = await staff.expect<{ id: string }>(201, 'POST', '/api/staff/hosts', {
      name,
      address: '127.0.0.1',
      sshPort: ports.sshd,
      sshUser: 'root',
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      installRoot,
      nodePort: ports.nodeLocal,
      publicPort: ports.nodePublic,
    });

    return {
      ports,
      apiUrl,
      sandboxUrl,
      stripeUrl,
      zoneId,
      originCaPem,
      env,
      host: { sshd, hostId, name },
      staff,
      logDir,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
