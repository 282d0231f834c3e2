import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import type { SandboxContext, StandIn } from '../sandbox';
import { recordNeedle } from '../at-rest-needles';
import { stripeApi } from './stripe-api';
import { billingPortalPageRoutes, billingPortalRoutes } from './stripe-billing-portal';
import { checkoutRoutes } from './stripe-checkout-api';
import { checkoutPageRoutes } from './stripe-checkout-page';
import { customerRoutes } from './stripe-customers';
import { endpointJson, eventRoutes } from './stripe-events';
import { hostedInvoiceRoutes, invoiceRoutes } from './stripe-invoices';
import { addPrices, priceRoutes, STRIPE_DEFAULT_PRICES, type StripePriceConfig } from './stripe-prices';
import { STRIPE_API_VERSION, StripeStore } from './stripe-store';
import { subscriptionRoutes } from './stripe-subscriptions';
import { testControls } from './stripe-test-controls';
import { WebhookDeliverer } from './stripe-webhooks';

export { STRIPE_DEFAULT_PRICES, type StripePriceConfig } from './stripe-prices';
export { STRIPE_API_VERSION } from './stripe-store';

/**
 * Stripe stand-in. The official SDK cannot take a path prefix (its base path is fixed to
 * "/v1/"; only host, port and protocol are configurable), so the API is also served on a
 * port of its own, at the root: `new Stripe(key, { host: '127.0.0.1', port: apiPort, protocol: 'http' })`.
 * The same router is mounted under /stripe on the sandbox for the browser pages and test controls.
 */

export interface StripeWebhookEndpointConfig {
  readonly url: string;
  /** whsec_… (generated when omitted). */
  readonly secret?: string;
  readonly enabledEvents?: readonly string[];
}

export interface StripeStandInOptions {
  /** Port of the dedicated API listener; 0 (default) picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /** The secret key clients must send (Bearer or Basic). */
  readonly secretKey?: string;
  readonly prices?: readonly StripePriceConfig[];
  readonly webhookEndpoints?: readonly StripeWebhookEndpointConfig[];
  /** Delay before each retry of a failed webhook delivery; its length is the number of retries. */
  readonly webhookRetryDelaysMs?: readonly number[];
  readonly webhookTimeoutMs?: number;
  /** Base URL browsers reach the sandbox at, for Checkout/portal/invoice links (default: the sandbox URL). */
  readonly publicUrl?: string;
  /** Lifetime of a Checkout Session (Stripe: 24 h). */
  readonly sessionTtlSeconds?: number;
}

export interface StripeStandIn extends StandIn {
  /** Port of the dedicated API listener, once started. */
  readonly apiPort: number;
  /** e.g. http://127.0.0.1:43123 (no trailing /v1). */
  readonly apiUrl: string;
  readonly store: StripeStore;
  /** Resolves when every webhook first attempt queued so far has finished. */
  idle(): Promise<void>;
}

export const STRIPE_DEFAULT_SECRET_KEY = 'sk_test_enclave_sandbox';
export const STRIPE_DEFAULT_WEBHOOK_SECRET = 'whsec_enclave_sandbox_dev_secret';

export function stripeStandIn(options: StripeStandInOptions = {}): StripeStandIn {
  const secretKey = options.secretKey ?? STRIPE_DEFAULT_SECRET_KEY;
  recordNeedle('secret', secretKey);
  const host = options.host ?? '127.0.0.1';
  const sessionTtl = options.sessionTtlSeconds ?? 24 * 3600;
  let context: SandboxContext | null = null;
  const baseUrl = () => options.publicUrl ?? context?.baseUrl() ?? '';
  let apiServer: Server | null = null;
  let apiPort = options.port ?? 0;

  const deliverer: WebhookDeliverer = new WebhookDeliverer(
    {
      retryDelaysMs: options.webhookRetryDelaysMs ?? [2_000, 10_000, 60_000, 300_000],
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
    },
    (eventId) => store.markDelivered(eventId),
  );
  const store: StripeStore = new StripeStore(deliverer, baseUrl);
  addPrices(store, options.prices ?? STRIPE_DEFAULT_PRICES);
  for (const endpoint of options.webhookEndpoints ?? [])
    store.addEndpoint(endpoint.url, [...(endpoint.enabledEvents ?? ['*'])], endpoint.secret);

  const api = stripeApi(store, secretKey, (route) => {
    customerRoutes(route, store);
    priceRoutes(route, store);
    checkoutRoutes(route, store, sessionTtl);
    subscriptionRoutes(route, store);
    invoiceRoutes(route, store);
    billingPortalRoutes(route, store);
    eventRoutes(route, store);
  });

  /** The API under /v1, the hosted pages and the test controls. */
  function makeRouter(): Router {
    const router = Router();
    router.use('/v1', api);
    router.get('/_info', (_req, res) => {
      res.json({
        apiHost: host,
        apiPort,
        apiUrl: `http://${host}:${apiPort}`,
        apiVersion: STRIPE_API_VERSION,
        webhookEndpoints: [...store.endpoints.values()].map(endpointJson),
      });
    });
    checkoutPageRoutes(router, store);
    billingPortalPageRoutes(router, store);
    hostedInvoiceRoutes(router, store);
    router.use('/_test', testControls(store, deliverer));
    router.use((req, res) => {
      res.status(404).json({
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${req.method}: ${req.originalUrl.split('?')[0]}).`,
        },
      });
    });
    return router;
  }

  let shared: Router | null = null;
  const getRouter = () => (shared ??= makeRouter());

  return {
    prefix: '/stripe',
    store,
    get apiPort() {
      return apiPort;
    },
    get apiUrl() {
      return `http://${host}:${apiPort}`;
    },
    idle: () => deliverer.idle(),
    router: (ctx: SandboxContext) => {
      context = ctx;
      return getRouter();
    },
    async start() {
      const app = express();
      app.disable('x-powered-by');
      app.use(getRouter());
      apiServer = await new Promise<Server>((resolve, reject) => {
        const server = app.listen(options.port ?? 0, host, () => resolve(server));
        server.once('error', reject);
      });
      apiPort = (apiServer.address() as AddressInfo).port;
    },
    async stop() {
      deliverer.stop();
      const server = apiServer;
      apiServer = null;
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * SANDBOX_STRIPE_PORT, SANDBOX_STRIPE_SECRET_KEY, SANDBOX_STRIPE_WEBHOOK_URL (comma-separated),
 * SANDBOX_STRIPE_WEBHOOK_SECRET, SANDBOX_STRIPE_WEBHOOK_RETRY_DELAYS_MS (e.g. "2000,10000"),
 * SANDBOX_STRIPE_PRICES (JSON array of StripePriceConfig), SANDBOX_HOST (listen address), SANDBOX_PUBLIC_URL.
 */
export function stripeOptionsFromEnv(env: NodeJS.ProcessEnv): StripeStandInOptions {
  const urls = (env.SANDBOX_STRIPE_WEBHOOK_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const delays = env.SANDBOX_STRIPE_WEBHOOK_RETRY_DELAYS_MS?.split(',')
    .map((d) => Number(d.trim()))
    .filter((d) => Number.isFinite(d) && d >= 0);
  let prices: StripePriceConfig[] | undefined;
  if (env.SANDBOX_STRIPE_PRICES) {
    const parsed = JSON.parse(env.SANDBOX_STRIPE_PRICES) as unknown;
    if (!Array.isArray(parsed)) throw new Error('SANDBOX_STRIPE_PRICES must be a JSON array');
    prices = parsed as StripePriceConfig[];
  }
  return {
    port: Number(env.SANDBOX_STRIPE_PORT ?? 4012),
    host: env.SANDBOX_HOST || undefined,
    publicUrl: env.SANDBOX_PUBLIC_URL || undefined,
    secretKey: env.SANDBOX_STRIPE_SECRET_KEY || STRIPE_DEFAULT_SECRET_KEY,
    webhookEndpoints: urls.map((u) => ({
      url: u,
      secret: env.SANDBOX_STRIPE_WEBHOOK_SECRET || STRIPE_DEFAULT_WEBHOOK_SECRET,
    })),
    webhookRetryDelaysMs: delays && delays.length ? delays : undefined,
    prices,
  };
}
