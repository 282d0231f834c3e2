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
      .refine((plans) => new Set(plans.map((p) => p.stripePriceId)).size === plans.length, 'Stripe price ids must be unique'),
  );

/**
 * Every environment variable the control plane (API and worker) reads, validated once at
 * start-up. A missing or malformed value stops the process with a message naming it.
 * Keys listed in SENSITIVE_CONFIG_KEYS are never printed.
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
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
    /** Key prefix of every queue in Redis; lets several deployments (or test runs) share one Redis. */
    REDIS_PREFIX: z.string().regex(/^[a-z0-9:_-]+$/i).default('enclave'),

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

    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
    MAIL_FROM: z.string().min(3).default('Enclave <no-reply@enclave.localhost>'),
    MAGIC_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(60).default(15),
    /** Magic links one email address may request per 15 minutes. */
    MAGIC_LINK_MAX_PER_WINDOW: z.coerce.number().int().min(1).default(5),
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
    BILLING_DEPROVISION_DELAY_HOURS: z.coerce.number().min(0).max(24 * 90).default(72),
  })
  .superRefine((config, ctx) => {
    for (const provider of ['GITHUB', 'GOOGLE'] as const) {
      const id = config[`${provider}_CLIENT_ID`];
      const secret = config[`${provider}_CLIENT_SECRET`];
      if (id && !secret) {
        ctx.addIssue({ code: 'custom', path: [`${provider}_CLIENT_SECRET`], message: `required when ${provider}_CLIENT_ID is set` });
      }
    }
    if (config.STRIPE_SECRET_KEY && !config.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_WEBHOOK_SECRET'], message: 'required when STRIPE_SECRET_KEY is set' });
    }
  });

export type ControlPlaneConfig = z.infer<typeof controlPlaneConfigSchema>;

export const SENSITIVE_CONFIG_KEYS: ReadonlySet<string> = new Set([
  'DATABASE_URL',
  'GITHUB_CLIENT_SECRET',
  'GOOGLE_CLIENT_SECRET',
  'SMTP_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
]);
