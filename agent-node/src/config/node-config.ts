import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { chatApiConfigSchema } from '../chat-api/chat-api-config';
import { trustedProxiesSchema } from '../http/client-address';
import { knowledgeConfigSchema } from '../knowledge/knowledge-config';
import { mailConfigSchema } from '../transcripts/transcripts-config';
import { webhooksConfigSchema } from '../webhooks/webhooks-config';

// zod/mini ships without messages ("Invalid input"); the node's 4xx details and start-up
// errors should say what is wrong. Every node entry point imports this module first.
// jitless: zod otherwise compiles a parser per object schema with `new Function`, which the
// optimizing compiler then keeps: +4 MB of idle RSS on a node once the webhook schemas grew
// (bench/agent-node-footprint.bench.ts, 61.7 → 57.6 MB); the node parses too little for it to pay.
z.config({ ...en(), jitless: true });

const url = z.pipe(
  z.url({ protocol: /^https?$/ }),
  z.transform((u: string) => u.replace(/\/+$/, '')),
);

/**
 * The node's own configuration, written as JSON at install time by provisioning.
 * Agents, channels and secrets are NOT here: they arrive over the signed node protocol.
 */
export const nodeConfigSchema = z.strictObject({
  nodeId: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)),
  /** Directory holding the SQLite database, keys and export archives. */
  dataDir: z.string().check(z.minLength(1)),
  listen: z.strictObject({
    host: z._default(z.string().check(z.minLength(1)), '127.0.0.1'),
    port: z.int().check(z.gte(0), z.lte(65535)),
  }),
  /** The node's public HTTPS base URL (webhooks and export links are built on it). */
  publicBaseUrl: url,
  controlPlane: z.strictObject({
    url,
    /** The control plane's Ed25519 public key (SPKI PEM). */
    publicKey: z.string().check(z.includes('BEGIN PUBLIC KEY')),
    /** One-time enrolment token written at install; useless once enrolment succeeded. */
    enrolmentToken: z.string().check(z.minLength(16)),
    requestTimeoutMs: z._default(z.int().check(z.positive()), 10_000),
  }),
  heartbeatIntervalMs: z._default(z.int().check(z.gte(100)), 30_000),
  telegramApiRoot: z._default(url, 'https://api.telegram.org'),
  whatsapp: z._default(
    z.strictObject({
      graphApiBaseUrl: z._default(url, 'https://graph.facebook.com'),
      graphApiVersion: z._default(z.string().check(z.regex(/^v\d+\.\d+$/)), 'v21.0'),
    }),
    { graphApiBaseUrl: 'https://graph.facebook.com', graphApiVersion: 'v21.0' },
  ),
  providers: z._default(
    z.strictObject({
      /** As the OpenAI SDK takes it, version included (https://api.openai.com/v1). */
      openaiBaseUrl: z.optional(url),
      anthropicBaseUrl: z.optional(url),
    }),
    {},
  ),
  model: z._default(
    z.strictObject({
      timeoutMs: z._default(z.int().check(z.positive()), 30_000),
      maxAttempts: z._default(z.int().check(z.gte(1), z.lte(10)), 3),
      backoffBaseMs: z._default(z.int().check(z.gte(0)), 1_000),
      historyCharBudget: z._default(z.int().check(z.gte(200)), 12_000),
      historyMaxMessages: z._default(z.int().check(z.gte(1)), 40),
      maxOutputTokens: z._default(z.int().check(z.gte(16)), 1_024),
    }),
    {
      timeoutMs: 30_000,
      maxAttempts: 3,
      backoffBaseMs: 1_000,
      historyCharBudget: 12_000,
      historyMaxMessages: 40,
      maxOutputTokens: 1_024,
    },
  ),
  delivery: z._default(
    z.strictObject({
      maxSendAttempts: z._default(z.int().check(z.gte(1)), 6),
      sendBackoffBaseMs: z._default(z.int().check(z.gte(0)), 2_000),
      concurrency: z._default(z.int().check(z.gte(1), z.lte(32)), 4),
    }),
    { maxSendAttempts: 6, sendBackoffBaseMs: 2_000, concurrency: 4 },
  ),
  retention: z._default(
    z.strictObject({
      defaultDays: z._default(z.int().check(z.gte(1), z.lte(3650)), 365),
      purgeHourUtc: z._default(z.int().check(z.gte(0), z.lte(23)), 3),
    }),
    { defaultDays: 365, purgeHourUtc: 3 },
  ),
  exports: z._default(z.strictObject({ defaultTtlSeconds: z._default(z.int().check(z.gte(60)), 3_600) }), {
    defaultTtlSeconds: 3_600,
  }),
  knowledge: knowledgeConfigSchema,
  webhooks: webhooksConfigSchema,
  mail: mailConfigSchema,
  chatApi: chatApiConfigSchema,
  trustedProxies: trustedProxiesSchema,
  signatureWindowSeconds: z._default(z.int().check(z.gte(5), z.lte(3_600)), 300),
  logLevel: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length ? `${message}:\n  - ${issues.join('\n  - ')}` : message);
    this.name = 'ConfigError';
  }
}

/** Validates a parsed config object; the data directory is resolved relative to `baseDir`. */
export function parseNodeConfig(raw: unknown, baseDir = process.cwd()): NodeConfig {
  const result = nodeConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      'invalid agent-node config',
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const cfg = result.data;
  return { ...cfg, dataDir: isAbsolute(cfg.dataDir) ? cfg.dataDir : resolve(baseDir, cfg.dataDir) };
}

export function loadNodeConfig(path: string): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`config file ${path} is not valid JSON`);
  }
  return parseNodeConfig(raw, resolve(path, '..'));
}

/** `--config <path>` / `--config=<path>` or ENCLAVE_NODE_CONFIG. */
export function configPathFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const i = argv.indexOf('--config');
  if (i >= 0 && argv[i + 1]) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith('--config='));
  if (eq) return eq.slice('--config='.length);
  if (env.ENCLAVE_NODE_CONFIG) return env.ENCLAVE_NODE_CONFIG;
  throw new ConfigError('no config file: pass --config <path> or set ENCLAVE_NODE_CONFIG');
}
