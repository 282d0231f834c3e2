import { createServer } from 'node:net';
// Test-only: the sandbox stands in for the external providers; it never ships with the node.
import { createStandIns, startSandbox, type RunningSandbox } from '@enclave/sandbox';
import { parseNodeConfig, type NodeConfigInput } from '../config/node-config';
import { NodeApp, type NodeAppOptions } from '../node-app';
import { FakeControlPlane } from './fake-control-plane';
import {
  ANTHROPIC_TEST_KEY,
  OPENAI_TEST_KEY,
  jsonOf,
  removeDir,
  type SandboxAnswer,
  telegramToken,
  tempDir,
  testNodeConfig,
} from './node-harness';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface NodeFixture {
  readonly sandbox: RunningSandbox;
  readonly cp: FakeControlPlane;
  readonly dataDir: string;
  readonly port: number;
  readonly nodeUrl: string;
  readonly config: NodeConfigInput;
  app: NodeApp;
  /** Starts a new NodeApp on the same data directory and port (after `app.stop()`). */
  restart(): Promise<NodeApp>;
  close(): Promise<void>;
  /** A stand-in's `_test` route, answered in JSON. */
  sandboxJson(method: string, path: string, body?: unknown): Promise<SandboxAnswer>;
}

/** In-process sandbox + fake control plane + agent node on a temp data directory. */
export async function startNodeFixture(
  overrides: Partial<NodeConfigInput> = {},
  appOptions: NodeAppOptions = {},
): Promise<NodeFixture> {
  const sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
  const cp = await new FakeControlPlane().start();
  const dataDir = tempDir();
  const port = await freePort();
  const nodeUrl = `http://127.0.0.1:${port}`;
  const config = {
    ...testNodeConfig({ dataDir, sandboxUrl: sandbox.url, controlPlane: cp, port }),
    publicBaseUrl: nodeUrl,
    ...overrides,
  };
  const make = () => new NodeApp(parseNodeConfig(config), { backgroundTasks: false, ...appOptions });
  const fixture: NodeFixture = {
    sandbox,
    cp,
    dataDir,
    port,
    nodeUrl,
    config,
    app: make(),
    async restart() {
      fixture.app = make();
      await fixture.app.start();
      return fixture.app;
    },
    async close() {
      await fixture.app.stop().catch(() => undefined);
      await sandbox.close();
      await cp.stop();
      removeDir(dataDir);
    },
    async sandboxJson(method, path, body) {
      const res = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return jsonOf(res);
    },
  };
  await fixture.app.start();
  return fixture;
}

/** The dashboard origin test nodes are configured with (the only one their CORS answers). */
export const TEST_DASHBOARD_ORIGIN = 'https://app.enclave.test';

export interface ConfiguredChannels {
  readonly telegramToken: string;
  readonly whatsapp: { phoneNumberId: string; accessToken: string; appSecret: string; verifyToken: string };
}

type Provider = 'openai' | 'anthropic';

/** The two agents test nodes get: one per provider. */
export const TEST_AGENTS = [
  {
    id: 'agent-openai',
    name: 'Helper',
    instructions: 'You are a helpful assistant.',
    provider: 'openai',
    model: 'gpt-4o-mini',
    enabled: true,
  },
  {
    id: 'agent-anthropic',
    name: 'Claude helper',
    instructions: 'You are a kind assistant.',
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    enabled: true,
  },
];

/** The test config: one agent per provider, a Telegram and a WhatsApp channel on the given providers. */
function testConfig(
  revision: number,
  whatsapp: Pick<ConfiguredChannels['whatsapp'], 'phoneNumberId' | 'verifyToken'>,
  telegramProvider: Provider,
  whatsappProvider: Provider,
  windowTemplate?: { name: string; language: string },
) {
  const agentOf = (p: Provider) => (p === 'anthropic' ? 'agent-anthropic' : 'agent-openai');
  return {
    revision,
    dashboardOrigin: TEST_DASHBOARD_ORIGIN,
    agents: TEST_AGENTS,
    channels: [
      { id: 'tg-main', type: 'telegram', agentId: agentOf(telegramProvider), enabled: true },
      {
        id: 'wa-main',
        type: 'whatsapp',
        agentId: agentOf(whatsappProvider),
        enabled: true,
        phoneNumberId: whatsapp.phoneNumberId,
        verifyToken: whatsapp.verifyToken,
        ...(windowTemplate ? { windowTemplate } : {}),
      },
    ],
  };
}

/** Re-applies the default config (next revision) with or without a WhatsApp window template. */
export async function setWindowTemplate(
  f: NodeFixture,
  ch: ConfiguredChannels,
  template: { name: string; language: string } | undefined,
  revision: number,
): Promise<void> {
  const cfg = testConfig(revision, ch.whatsapp, 'openai', 'anthropic', template);
  const r = await f.cp.call(f.nodeUrl, 'PUT', '/v1/config', cfg);
  if (r.status !== 200) throw new Error(`apply config: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Re-applies the config with other providers per channel (next revision). */
export async function switchProviders(
  f: NodeFixture,
  ch: ConfiguredChannels,
  telegram: Provider,
  whatsapp: Provider,
  revision: number,
): Promise<void> {
  const r = await f.cp.call(f.nodeUrl, 'PUT', '/v1/config', testConfig(revision, ch.whatsapp, telegram, whatsapp));
  if (r.status !== 200) throw new Error(`apply config: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Applies a config with one agent per provider, a Telegram and a WhatsApp channel, and their secrets. */
export async function configureNode(
  f: Pick<NodeFixture, 'cp' | 'nodeUrl' | 'sandboxJson'>,
  opts: { telegramProvider?: Provider; whatsappProvider?: Provider; revision?: number } = {},
): Promise<ConfiguredChannels> {
  const token = telegramToken();
  const whatsapp = {
    phoneNumberId: String(100_000_000_000_000 + Math.floor(Math.random() * 1e9)),
    accessToken: `EAAG${'x'.repeat(10)}${Math.random().toString(36).slice(2, 14)}`,
    appSecret: `app-secret-${Math.random().toString(36).slice(2)}`,
    verifyToken: 'verify-me-please',
  };
  // WhatsApp answers with Anthropic unless told otherwise: each provider gets traffic by default.
  const cfg = testConfig(
    opts.revision ?? 1,
    whatsapp,
    opts.telegramProvider ?? 'openai',
    opts.whatsappProvider ?? 'anthropic',
  );
  const put = async (kind: string, value: string, scope = 'default') => {
    const r = await f.cp.call(f.nodeUrl, 'PUT', `/v1/secrets/${kind}`, { value, scope });
    if (r.status !== 200) throw new Error(`put secret ${kind}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await put('openai_api_key', OPENAI_TEST_KEY);
  await put('anthropic_api_key', ANTHROPIC_TEST_KEY);
  await put('telegram_bot_token', token, 'tg-main');
  await put('whatsapp_access_token', whatsapp.accessToken, 'wa-main');
  await put('whatsapp_app_secret', whatsapp.appSecret, 'wa-main');
  const r = await f.cp.call(f.nodeUrl, 'PUT', '/v1/config', cfg);
  if (r.status !== 200) throw new Error(`apply config: ${r.status} ${JSON.stringify(r.body)}`);
  // The customer registers the node's webhook in Meta's dashboard; Meta verifies it first.
  const reg = await f.sandboxJson('POST', '/whatsapp/_test/phone-numbers', {
    phoneNumberId: whatsapp.phoneNumberId,
    appSecret: whatsapp.appSecret,
    verifyToken: whatsapp.verifyToken,
    webhookUrl: `${f.nodeUrl}/webhooks/whatsapp/wa-main`,
  });
  if (!reg.webhookVerified) throw new Error(`whatsapp webhook verification failed: ${JSON.stringify(reg)}`);
  return { telegramToken: token, whatsapp };
}
