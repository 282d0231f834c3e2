import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/**
 * The node's own configuration, written as JSON at install time by provisioning.
 * Agents, channels and secrets are NOT here: they arrive over the signed node protocol.
 */
export const nodeConfigSchema = z.strictObject({
  nodeId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/),
  /** Directory holding the SQLite database, keys and export archives. */
  dataDir: z.string().min(1),
  listen: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535),
  }),
  /** The node's public HTTPS base URL (webhooks and export links are built on it). */
  publicBaseUrl: url,
  controlPlane: z.strictObject({
    url,
    /** The control plane's Ed25519 public key (SPKI PEM). */
    publicKey: z.string().includes('BEGIN PUBLIC KEY'),
    /** One-time enrolment token written at install; useless once enrolment succeeded. */
    enrolmentToken: z.string().min(16),
    requestTimeoutMs: z.number().int().positive().default(10_000),
  }),
  heartbeatIntervalMs: z.number().int().min(100).default(30_000),
  telegramApiRoot: url.default('https://api.telegram.org'),
  whatsapp: z
    .strictObject({
      graphApiBaseUrl: url.default('https://graph.facebook.com'),
      graphApiVersion: z.string().regex(/^v\d+\.\d+$/).default('v21.0'),
    })
    .default({ graphApiBaseUrl: 'https://graph.facebook.com', graphApiVersion: 'v21.0' }),
  providers: z
    .strictObject({
      /** As the OpenAI SDK takes it, version included (https://api.openai.com/v1). */
      openaiBaseUrl: url.optional(),
      anthropicBaseUrl: url.optional(),
    })
    .default({}),
  model: z
    .strictObject({
      timeoutMs: z.number().int().positive().default(30_000),
      maxAttempts: z.number().int().min(1).max(10).default(3),
      backoffBaseMs: z.number().int().min(0).default(1_000),
      historyCharBudget: z.number().int().min(200).default(12_000),
      historyMaxMessages: z.number().int().min(1).default(40),
      maxOutputTokens: z.number().int().min(16).default(1_024),
    })
    .default({ timeoutMs: 30_000, maxAttempts: 3, backoffBaseMs: 1_000, historyCharBudget: 12_000, historyMaxMessages: 40, maxOutputTokens: 1_024 }),
  delivery: z
    .strictObject({
      maxSendAttempts: z.number().int().min(1).default(6),
      sendBackoffBaseMs: z.number().int().min(0).default(2_000),
      concurrency: z.number().int().min(1).max(32).default(4),
    })
    .default({ maxSendAttempts: 6, sendBackoffBaseMs: 2_000, concurrency: 4 }),
  retention: z
    .strictObject({
      defaultDays: z.number().int().min(1).max(3650).default(365),
      purgeHourUtc: z.number().int().min(0).max(23).default(3),
    })
    .default({ defaultDays: 365, purgeHourUtc: 3 }),
  exports: z
    .strictObject({ defaultTtlSeconds: z.number().int().min(60).default(3_600) })
    .default({ defaultTtlSeconds: 3_600 }),
  signatureWindowSeconds: z.number().int().min(5).max(3_600).default(300),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string, readonly issues: readonly string[] = []) {
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
