import { z } from 'zod';

const csv = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean),
  );

const url = z.url();
/** An Express `trust proxy` entry: a named range, an IP or a CIDR. */
const trustedProxy = z
  .string()
  .refine(
    (value) =>
      ['loopback', 'linklocal', 'uniquelocal'].includes(value) ||
      /^[\d.]+(\/\d{1,2})?$|^[\da-f:]+(\/\d{1,3})?$/.test(value),
    'must be loopback, linklocal, uniquelocal, an IP or a CIDR',
  );
const optionalSecret = z.string().min(1).optional();

/** A plan customers can buy: our stable id, what the dashboard shows, and the Stripe price behind it. */
export const billingPlanSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'plan ids are lower-case letters, digits, "-" and "_"'),
  name: z.string().min(1).max(80),
  stripePriceId: z.string().regex(/^price_[A-Za-z0-9_]+$/, 'must be a Stripe price id (price_…)'),
  /** Display only (Stripe's price is what is charged): smallest currency unit, e.g. 2900 = 29.00. */
  amount: z.number().int().min(0),
  currency: z.string().regex(/^[a-z]{3}$/),
  interval: z.enum(['day', 'week', 'month', 'year']),
});
export type BillingPlan = z.infer<typeof billingPlanSchema>;

/** STRIPE_PLANS: a JSON array of plans; ids and price ids must be unique. */
const plansJson = z
  .string()
  .default('[]')
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of plans' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(billingPlanSchema)
      .max(20)
      .refine((plans) => new Set(plans.map((p) => p.id)).size === plans.length, 'plan ids must be unique')
      .refine(
        (plans) => new Set(plans.map((p) => p.stripePriceId)).size === plans.length,
        'Stripe price ids must be unique',
      ),
  );

/**
 * Every environment variable the control plane (API and worker) reads, validated once at
 * start-up. A missing or malformed value stops the process with a message naming it, never
 * printing any value (loadConfig).
 */
export const controlPlaneConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Where browsers reach the control plane (cookies, OAuth callbacks, links in mail). */
    PUBLIC_URL: url.default('http://localhost:3000'),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    /** Run pending migrations when the API starts (development convenience). */
    DATABASE_MIGRATIONS_RUN: z.stringbool().default(false),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    /** Key prefix of every queue in Redis; lets several deployments (or test runs) share one Redis. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9:_-]+$/i)
      .default('enclave'),

    GITHUB_CLIENT_ID: z.string().min(1).optional(),
    GITHUB_CLIENT_SECRET: optionalSecret,
    GITHUB_AUTHORIZATION_URL: url.default('https://github.com/login/oauth/authorize'),
    GITHUB_TOKEN_URL: url.default('https://github.com/login/oauth/access_token'),
    GITHUB_API_URL: url.default('https://api.github.com'),

    GOOGLE_CLIENT_ID: z.string().min(1).optional(),
    GOOGLE_CLIENT_SECRET: optionalSecret,
    GOOGLE_AUTHORIZATION_URL: url.default('https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: url.default('https://oauth2.googleapis.com/token'),
    GOOGLE_USERINFO_URL: url.default('https://www.googleapis.com/oauth2/v3/userinfo'),

    /** Sign in with Apple is on when its Services ID is set (then team id, key id and private key are required). */
    APPLE_CLIENT_ID: z.string().min(1).optional(),
    APPLE_TEAM_ID: z.string().min(1).optional(),
    APPLE_KEY_ID: z.string().min(1).optional(),
    /** The team's Sign in with Apple key (.p8, PKCS#8 PEM; `\n` may stand for newlines): signs the ES256 client secret. */
    APPLE_PRIVATE_KEY: optionalSecret,
    APPLE_AUTHORIZATION_URL: url.default('https://appleid.apple.com/auth/authorize'),
    APPLE_TOKEN_URL: url.default('https://appleid.apple.com/auth/token'),
    APPLE_KEYS_URL: url.default('https://appleid.apple.com/auth/keys'),
    /** How long a "Download my data" archive and its link last. */
    ACCOUNT_EXPORT_TTL_HOURS: z.coerce.number().int().min(1).max(168).default(24),

    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
    MAIL_FROM: z.string().min(3).default('Enclave <no-reply@enclave.localhost>'),
    MAGIC_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(60).default(15),
    /** Magic links one email address may request per 15 minutes. */
    MAGIC_LINK_MAX_PER_WINDOW: z.coerce.number().int().min(1).default(5),
    /**
     * Proxies whose `X-Forwarded-For` names the client (Express `trust proxy`): `loopback`,
     * `uniquelocal` (10/8, 172.16/12, 192.168/16, fc00::/7), or IPs and CIDRs — the load balancer's
     * or Ingress controller's addresses. Per-IP rate limits and audit events use the client so found.
     */
    TRUSTED_PROXIES: csv
      .pipe(z.array(trustedProxy).min(1, 'name at least one proxy (loopback when none)'))
      .default(['loopback']),
    /** Requests per minute per client IP on sign-in routes. */
    AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(30),

    /** Emails of staff (operators); `npm run staff:grant` adds more in the database. */
    STAFF_EMAILS: csv,

    /** Billing is on when a Stripe secret key is set (then the webhook secret is required too). */
    STRIPE_SECRET_KEY: optionalSecret,
    /** Signing secret of our webhook endpoint (whsec_…), checked on every delivery. */
    STRIPE_WEBHOOK_SECRET: optionalSecret,
    /** Base URL the Stripe SDK talks to: https://api.stripe.com, or the sandbox stand-in. */
    STRIPE_API_URL: url.default('https://api.stripe.com'),
    STRIPE_PLANS: plansJson,
    /** Days a past-due workspace keeps running before it is suspended (fractions allowed). */
    BILLING_GRACE_DAYS: z.coerce.number().min(0).max(60).default(7),
    /** Hours between a subscription's cancellation and the deprovisioning of its workspace. */
    BILLING_DEPROVISION_DELAY_HOURS: z.coerce
      .number()
      .min(0)
      .max(24 * 90)
      .default(72),

    // --- Provisioning (provisioning/, apps/worker/src/provisioning, docs/provisioning.md) ---
    /** Control plane's Ed25519 private key (PKCS#8 PEM file) signing node-protocol requests; nodes get its public key. */
    NODE_PROTOCOL_SIGNING_KEY_PATH: z.string().min(1).optional(),
    /**
     * Key rotation, step 1: the next signing key's public half (SPKI PEM file). Reconciliation
     * makes every node trust it next to the current one; step 2 switches the signing key to it.
     */
    NODE_PROTOCOL_NEXT_PUBLIC_KEY_PATH: z.string().min(1).optional(),
    /** Base URL nodes call the control plane at (enrolment, heartbeats); default PUBLIC_URL + "/api". */
    NODE_CONTROL_PLANE_URL: url.optional(),
    /** Which host provider allocates new hosts: the staff-registered pool, or OVHcloud VPS orders. */
    PROVISIONING_HOST_PROVIDER: z.enum(['pool', 'ovhcloud']).default('pool'),
    /** Private key (OpenSSH/PEM file) the control plane logs in to hosts with. Required to provision. */
    PROVISIONING_SSH_KEY_PATH: z.string().min(1).optional(),
    PROVISIONING_SSH_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(500).default(15_000),
    PROVISIONING_SSH_KEEPALIVE_MS: z.coerce.number().int().min(500).default(10_000),
    PROVISIONING_SSH_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(300_000),
    /** Where built agent-node bundles are cached (by input hash); relative to the working directory. */
    PROVISIONING_BUNDLE_CACHE_DIR: z.string().min(1).default('tmp/provisioning-bundles'),
    /** Repository checkout the bundle is built from (agent-node/, node_modules/). */
    PROVISIONING_SOURCE_ROOT: z.string().min(1).default('.'),
    /** systemd MemoryMax of the node (hosts without systemd: V8 heap cap of 3/4 of it). */
    PROVISIONING_NODE_MEMORY_MAX: z
      .string()
      .regex(/^\d+[KMG]?$/)
      .default('1G'),
    /** Heartbeat interval written into each node's config. */
    PROVISIONING_NODE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(30_000),
    /** How long the enrol and healthy steps wait before the attempt fails (and is retried). */
    PROVISIONING_WAIT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(180_000),
    /** BullMQ lock of a provisioning job: a crashed worker's job is taken over after this long. */
    PROVISIONING_JOB_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
    /**
     * How long a worker told to stop (SIGTERM/SIGINT) may take to finish its jobs and close; past it the
     * process exits and the jobs it was running go back to their queues through BullMQ's stalled-job check.
     * Below Kubernetes' default 30 s grace period.
     */
    WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).default(25_000),
    /** Jobs one worker runs at once, per queue (`provisioning=8,node-delivery=4`); unlisted queues run 4. */
    QUEUE_CONCURRENCY: z
      .string()
      .regex(/^([a-z-]+=[1-9]\d{0,2}(,|$))*$/, 'queue=count pairs separated by commas')
      .default(''),
    /** Reconciliation: a node silent this long is degraded, then offline. */
    PROVISIONING_NODE_DEGRADED_AFTER_MS: z.coerce.number().int().min(1_000).default(120_000),
    PROVISIONING_NODE_OFFLINE_AFTER_MS: z.coerce.number().int().min(1_000).default(600_000),
    /** Interval of the repeatable reconciliation job (0 disables scheduling it). */
    PROVISIONING_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
    /** DNS zone the nodes live under: `<slug>.<zone>`. */
    NODE_DNS_ZONE: z
      .string()
      .regex(/^[a-z0-9.-]+$/)
      .default('nodes.enclave.localhost'),
    CLOUDFLARE_API_URL: url.default('https://api.cloudflare.com/client/v4'),
    CLOUDFLARE_API_TOKEN: optionalSecret,
    CLOUDFLARE_ZONE_ID: z.string().min(1).optional(),
    /** Origin CA key (Cloudflare "user service key") for POST /certificates. */
    CLOUDFLARE_ORIGIN_CA_KEY: optionalSecret,
    /** PEM of the Origin CA root the control plane trusts when calling nodes directly. */
    CLOUDFLARE_ORIGIN_CA_ROOT_PATH: z.string().min(1).optional(),
    OVHCLOUD_API_URL: url.default('https://eu.api.ovh.com/1.0'),
    OVHCLOUD_APPLICATION_KEY: z.string().min(1).optional(),
    OVHCLOUD_APPLICATION_SECRET: optionalSecret,
    OVHCLOUD_CONSUMER_KEY: optionalSecret,
    OVHCLOUD_PROJECT_ID: z.string().min(1).optional(),
    OVHCLOUD_REGION: z.string().min(1).default('GRA11'),
    OVHCLOUD_FLAVOR_ID: z.string().min(1).optional(),
    /** Host layout of new OVHcloud instances (what a pool host's staff registration says). */
    OVHCLOUD_SSH_PORT: z.coerce.number().int().min(1).max(65535).default(22),
    OVHCLOUD_INSTALL_ROOT: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]+$/)
      .default('/opt/enclave'),
    OVHCLOUD_NODE_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    OVHCLOUD_PUBLIC_PORT: z.coerce.number().int().min(1).max(65535).default(443),
    OVHCLOUD_IMAGE_ID: z.string().min(1).optional(),

    // --- Agents, channels, secrets (apps/api/src/{agents,channels,secrets}, docs/data-placement.md) ---
    /** Server-side pepper of secret fingerprints (HMAC-SHA256); at least 16 characters. Required in production. */
    SECRET_PEPPER: z.string().min(16).optional(),
    /** base64 of 32 random bytes: AES-256-GCM key of secrets waiting for their node (≤ 1 hour). Required in production. */
    SECRET_ENCRYPTION_KEY: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be base64 of exactly 32 bytes')
      .optional(),
    /** How long a secret may wait (encrypted) for a node that is not ready: at most one hour. */
    PENDING_SECRET_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(3600),
    /** host:port pairs a webhook URL may name over plain http (tests and local demos only; nodes have their own list). */
    WEBHOOK_TEST_HOSTS: csv,
    /** Provider APIs used to validate credentials (the official SDKs / documented calls), overridable for the sandbox. */
    OPENAI_API_URL: url.default('https://api.openai.com/v1'),
    ANTHROPIC_API_URL: url.default('https://api.anthropic.com'),
    TELEGRAM_API_ROOT: url.default('https://api.telegram.org'),
    WHATSAPP_GRAPH_API_URL: url.default('https://graph.facebook.com'),
    WHATSAPP_GRAPH_API_VERSION: z
      .string()
      .regex(/^v\d+\.\d+$/)
      .default('v21.0'),
    CREDENTIAL_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** Timeout of signed control plane → node calls (config, secrets, exports, …). */
    NODE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /** Lifetime of export download links the node hands out. */
    EXPORT_LINK_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
  })
  .superRefine((config, ctx) => {
    for (const provider of ['GITHUB', 'GOOGLE'] as const) {
      const id = config[`${provider}_CLIENT_ID`];
      const secret = config[`${provider}_CLIENT_SECRET`];
      if (id && !secret) {
        ctx.addIssue({
          code: 'custom',
          path: [`${provider}_CLIENT_SECRET`],
          message: `required when ${provider}_CLIENT_ID is set`,
        });
      }
    }
    if (config.APPLE_CLIENT_ID) {
      for (const key of ['APPLE_TEAM_ID', 'APPLE_KEY_ID', 'APPLE_PRIVATE_KEY'] as const) {
        if (!config[key])
          ctx.addIssue({ code: 'custom', path: [key], message: 'required when APPLE_CLIENT_ID is set' });
      }
    }
    if (config.NODE_ENV === 'production') {
      for (const key of ['SECRET_PEPPER', 'SECRET_ENCRYPTION_KEY'] as const) {
        if (!config[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required in production' });
      }
    }
    if (config.STRIPE_SECRET_KEY && !config.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_WEBHOOK_SECRET'],
        message: 'required when STRIPE_SECRET_KEY is set',
      });
    }
  });

export type ControlPlaneConfig = z.infer<typeof controlPlaneConfigSchema>;

/**
 * The variables that hold credentials. The `.env.example` spec checks each of them is marked
 * `(secret)` there; provisioning scrubs their values from step errors (a provider answer may
 * echo one). Nothing prints configuration values, and log redaction (`../logging/redaction.ts`)
 * works from field paths and token shapes, not from this list.
 */
export const SENSITIVE_CONFIG_KEYS: ReadonlySet<string> = new Set([
  'DATABASE_URL',
  'GITHUB_CLIENT_SECRET',
  'GOOGLE_CLIENT_SECRET',
  'APPLE_PRIVATE_KEY',
  'SMTP_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'SECRET_PEPPER',
  'SECRET_ENCRYPTION_KEY',
  'CLOUDFLARE_API_TOKEN',
  'CLOUDFLARE_ORIGIN_CA_KEY',
  'OVHCLOUD_APPLICATION_SECRET',
  'OVHCLOUD_CONSUMER_KEY',
]);
