import { generateSigningKeyPair } from '@enclave/node-protocol';
import { hashEnrolmentToken, NodeEntity } from '@enclave/persistence';
import { setLogDestinationForTests } from '@enclave/platform';
import { createStandIns, recordNeedle, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Test-only: the real agent node, in-process, talking to the real API (its own code never ships with the control plane).
import { parseNodeConfig } from '../../../agent-node/src/config/node-config';
import { NodeApp } from '../../../agent-node/src/node-app';
import { createWorker } from '../../worker/src/bootstrap';
import type { INestApplicationContext } from '@nestjs/common';
import { type ApiHarness, startApiHarness } from './api-harness';
import { signInByEmail } from './sign-in';

/** The fields the specs read from the provider stand-ins' `_test` answers (each route's answer holds its own). */
export interface ProviderTestAnswer {
  webhook: { url: string };
  webhookVerified: boolean;
  messages: unknown[];
}

export interface AgentsHarness {
  api: ApiHarness;
  /** Telegram, WhatsApp, OpenAI and Anthropic stand-ins (shared by the API's checks and the node). */
  providers: RunningSandbox;
  /** Every log line the API wrote (LOG_LEVEL=debug). */
  logs: string[];
  controlPlaneKeys: { publicKeyPem: string; privateKeyPem: string };
  /** A stand-in's `_test` route, answered in JSON. */
  providersJson(method: string, path: string, body?: unknown): Promise<ProviderTestAnswer>;
  /** The real worker on the same database, Redis prefix and config; its logs are captured into `logs` too. */
  startWorker(): Promise<INestApplicationContext>;
  close(): Promise<void>;
}

export const SECRET_ENCRYPTION_KEY = randomBytes(32).toString('base64');
export const SECRET_PEPPER = `pepper-${randomBytes(16).toString('hex')}`;

/** The API (debug logs captured) + a provider sandbox; the control plane's signing key in a temp file. */
export async function startAgentsHarness(overrides: NodeJS.ProcessEnv = {}): Promise<AgentsHarness> {
  recordNeedle('secret', SECRET_ENCRYPTION_KEY);
  recordNeedle('secret', SECRET_PEPPER);
  const providers = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
  const dir = mkdtempSync(join(tmpdir(), 'enclave-cp-key-'));
  const controlPlaneKeys = generateSigningKeyPair();
  const keyPath = join(dir, 'node-protocol.key.pem');
  writeFileSync(keyPath, controlPlaneKeys.privateKeyPem, { mode: 0o600 });
  const logs: string[] = [];
  setLogDestinationForTests({ write: (line: string) => void logs.push(line) });
  const api = await startApiHarness({
    LOG_LEVEL: 'debug',
    NODE_PROTOCOL_SIGNING_KEY_PATH: keyPath,
    SECRET_PEPPER,
    SECRET_ENCRYPTION_KEY,
    OPENAI_API_URL: `${providers.url}/openai/v1`,
    ANTHROPIC_API_URL: `${providers.url}/anthropic`,
    TELEGRAM_API_ROOT: `${providers.url}/telegram`,
    WHATSAPP_GRAPH_API_URL: `${providers.url}/whatsapp`,
    NODE_REQUEST_TIMEOUT_MS: '5000',
    ...overrides,
  });
  setLogDestinationForTests(undefined);
  return {
    api,
    providers,
    logs,
    controlPlaneKeys,
    async providersJson(method, path, body) {
      const res = await fetch(`${providers.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      try {
        return JSON.parse(text) as ProviderTestAnswer;
      } catch {
        throw new Error(`${method} ${path} answered ${res.status} without JSON: ${text.slice(0, 200)}`);
      }
    },
    async startWorker() {
      setLogDestinationForTests({ write: (line: string) => void logs.push(line) });
      try {
        const worker = await createWorker(api.env);
        await worker.init();
        return worker;
      } finally {
        setLogDestinationForTests(undefined);
      }
    },
    async close() {
      await api.close();
      await providers.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Owner {
  email: string;
  cookie: string;
  workspaceId: string;
}

export async function ownerWithWorkspace(api: ApiHarness, tag: string): Promise<Owner> {
  const email = `${tag}-${randomBytes(3).toString('hex')}@example.com`;
  const cookie = await signInByEmail(api, email);
  const slug = `${tag}-${randomBytes(3).toString('hex')}`;
  const created = await api
    .http()
    .post('/api/workspaces')
    .set('Cookie', cookie)
    .send({ name: `Workspace ${tag}`, slug })
    .expect(201);
  return { email, cookie, workspaceId: (created.body as { id: string }).id };
}

/** What provisioning does before the node starts: a node record holding the hash of a one-time enrolment token. */
export async function createNodeRecord(
  api: ApiHarness,
  workspaceId: string,
): Promise<{ nodeId: string; enrolmentToken: string }> {
  const enrolmentToken = randomBytes(24).toString('base64url');
  const node = await api.dataSource.getRepository(NodeEntity).save({
    workspaceId,
    status: 'installing',
    enrolmentTokenHash: hashEnrolmentToken(enrolmentToken),
  });
  return { nodeId: node.id, enrolmentToken };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningNode {
  app: NodeApp;
  url: string;
  dataDir: string;
  /** Stops the node's HTTP server and closes its database, keeping its data directory. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data directory (after `halt`). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The real agent node in-process, configured like provisioning writes it, calling the API for enrolment and heartbeats. */
export async function startAgentNode(
  harness: AgentsHarness,
  node: { nodeId: string; enrolmentToken: string },
  /** Node config sections to set (e.g. the webhooks' test hosts). */
  overrides: Record<string, unknown> = {},
): Promise<RunningNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-node-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sandbox = harness.providers.url;
  const config = parseNodeConfig({
    nodeId: node.nodeId,
    dataDir,
    listen: { host: '127.0.0.1', port },
    publicBaseUrl: url,
    controlPlane: {
      url: `${harness.api.url}/api`,
      publicKey: harness.controlPlaneKeys.publicKeyPem,
      enrolmentToken: node.enrolmentToken,
    },
    heartbeatIntervalMs: 60_000,
    telegramApiRoot: `${sandbox}/telegram`,
    whatsapp: { graphApiBaseUrl: `${sandbox}/whatsapp`, graphApiVersion: 'v21.0' },
    providers: { openaiBaseUrl: `${sandbox}/openai/v1`, anthropicBaseUrl: `${sandbox}/anthropic` },
    model: {
      timeoutMs: 2_000,
      maxAttempts: 2,
      backoffBaseMs: 20,
      historyCharBudget: 4_000,
      historyMaxMessages: 20,
      maxOutputTokens: 256,
    },
    delivery: { maxSendAttempts: 3, sendBackoffBaseMs: 20, concurrency: 2 },
    logLevel: 'silent',
    ...overrides,
  });
  const running: RunningNode = {
    app: new NodeApp(config, { backgroundTasks: false }),
    url,
    dataDir,
    async halt() {
      await running.app.stop();
    },
    async restart() {
      running.app = new NodeApp(config, { backgroundTasks: false });
      await running.app.start();
    },
    async stop() {
      await running.app.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await running.app.start();
  return running;
}

/** Polls until `fn` returns a truthy value. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`waitFor timed out${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
