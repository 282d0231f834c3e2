import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig, domainError, isDomainError } from '@enclave/platform';
import Stripe from 'stripe';
import { BILLING_ERRORS } from './billing.errors';

/**
 * The Stripe API version every request and every webhook payload is pinned to. It must be
 * the version the installed `stripe` SDK is typed for (its types describe only that one),
 * and the version our webhook endpoint is configured with in the Stripe dashboard.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion;

/** Stripe's default: a signature older (or newer) than this many seconds is refused. */
export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;

type HttpClient = NonNullable<Stripe.StripeConfig['httpClient']>;

/**
 * The SDK only takes host/port/protocol; a base URL with a path (a stand-in mounted under
 * `/stripe`) is honoured by prefixing every request path on the SDK's own Node client.
 */
function withPathPrefix(inner: HttpClient, prefix: string): HttpClient {
  return {
    getClientName: () => inner.getClientName(),
    makeRequest: (host, port, path, method, headers, body, protocol, timeout) =>
      inner.makeRequest(host, port, `${prefix}${path}`, method, headers, body, protocol, timeout),
  };
}

/** Builds the official SDK client pointed at STRIPE_API_URL. */
export function createStripeClient(secretKey: string, apiUrl: string): Stripe {
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const prefix = url.pathname.replace(/\/+$/, '');
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: url.hostname,
    port: url.port || (protocol === 'http' ? 80 : 443),
    protocol,
    // Webhook processing holds the customer's row lock while it reads the subscription:
    // keep the worst case (2 attempts × timeout) well under Stripe's delivery timeout.
    maxNetworkRetries: 1,
    timeout: 8_000,
    telemetry: false,
    appInfo: { name: 'enclave-control-plane' },
    ...(prefix ? { httpClient: withPathPrefix(Stripe.createNodeHttpClient(), prefix) } : {}),
  });
}

export interface CheckoutSessionInput {
  workspaceId: string;
  customerId: string;
  priceId: string;
  planId: string;
  successUrl: string;
  cancelUrl: string;
  idempotencyKey: string;
}

/**
 * Everything Enclave asks of Stripe, behind one class (services hold the rules, this holds
 * the technology). Stripe outages surface as a 503 `stripe_unavailable`.
 */
@Injectable()
export class StripeGateway {
  private readonly client: Stripe | null;

  constructor(@Inject(CONFIG) private readonly config: ControlPlaneConfig) {
    this.client = config.STRIPE_SECRET_KEY ? createStripeClient(config.STRIPE_SECRET_KEY, config.STRIPE_API_URL) : null;
  }

  get enabled(): boolean {
    return this.client !== null;
  }

  private stripe(): Stripe {
    if (!this.client) throw domainError(BILLING_ERRORS.disabled);
    return this.client;
  }

  async createCustomer(input: { workspaceId: string; workspaceName: string; email: string }): Promise<string> {
    const customer = await this.call(() =>
      this.stripe().customers.create(
        { email: input.email, name: input.workspaceName, metadata: { workspace_id: input.workspaceId } },
        // One customer per workspace even when two first checkouts race (Stripe keeps keys 24 h).
        { idempotencyKey: `enclave-customer-${input.workspaceId}` },
      ),
    );
    return customer.id;
  }

  async createCheckoutSession(input: CheckoutSessionInput): Promise<{ id: string; url: string }> {
    const session = await this.call(() =>
      this.stripe().checkout.sessions.create(
        {
          mode: 'subscription',
          customer: input.customerId,
          client_reference_id: input.workspaceId,
          line_items: [{ price: input.priceId, quantity: 1 }],
          metadata: { workspace_id: input.workspaceId, plan_id: input.planId },
          subscription_data: { metadata: { workspace_id: input.workspaceId, plan_id: input.planId } },
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!session.url)
      throw domainError(BILLING_ERRORS.stripeUnavailable, {
        message: 'Stripe returned a checkout session without a URL.',
      });
    return { id: session.id, url: session.url };
  }

  async createPortalSession(customerId: string, returnUrl: string): Promise<{ id: string; url: string }> {
    const session = await this.call(() =>
      this.stripe().billingPortal.sessions.create({ customer: customerId, return_url: returnUrl }),
    );
    return { id: session.id, url: session.url };
  }

  /**
   * The subscription as Stripe holds it now, with its latest invoice (whether the first
   * payment has settled, see `firstPaymentPending`); null when Stripe does not know the id.
   */
  async retrieveSubscription(id: string): Promise<Stripe.Subscription | null> {
    try {
      return await this.call(() => this.stripe().subscriptions.retrieve(id, { expand: ['latest_invoice'] }));
    } catch (error) {
      if (isDomainError(error, BILLING_ERRORS.stripeResourceMissing)) return null;
      throw error;
    }
  }

  /** Cancels at once (no proration): used when the workspace is deleted. Already gone counts as done. */
  async cancelSubscription(id: string): Promise<void> {
    try {
      await this.call(() => this.stripe().subscriptions.cancel(id, {}, { idempotencyKey: `enclave-cancel-${id}` }));
    } catch (error) {
      if (isDomainError(error, BILLING_ERRORS.stripeResourceMissing)) return;
      throw error;
    }
  }

  /**
   * Verifies `Stripe-Signature` over the exact raw body with STRIPE_WEBHOOK_SECRET and parses
   * the event. Throws a 400 DomainError on any problem (missing, wrong, stale, not JSON).
   */
  constructEvent(rawBody: Buffer | undefined, signature: string | undefined): Stripe.Event {
    const secret = this.config.STRIPE_WEBHOOK_SECRET;
    if (!this.client || !secret) throw domainError(BILLING_ERRORS.disabled);
    if (!rawBody || rawBody.length === 0) throw domainError(BILLING_ERRORS.webhookBodyMissing);
    if (!signature)
      throw domainError(BILLING_ERRORS.webhookSignatureInvalid, { message: 'The Stripe-Signature header is missing.' });
    try {
      return this.client.webhooks.constructEvent(rawBody, signature, secret, STRIPE_WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw domainError(BILLING_ERRORS.webhookSignatureInvalid);
      }
      // A correctly signed body that is not JSON.
      throw domainError(BILLING_ERRORS.webhookBodyInvalid);
    }
  }

  /** Maps SDK errors to domain errors; never lets the secret key reach a message. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (isDomainError(error)) throw error;
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
        throw domainError(BILLING_ERRORS.stripeResourceMissing, { details: { stripeCode: error.code } });
      }
      if (error instanceof Stripe.errors.StripeError) {
        throw domainError(BILLING_ERRORS.stripeUnavailable, {
          details: { stripeType: error.type, stripeCode: error.code ?? null, requestId: error.requestId ?? null },
        });
      }
      throw error;
    }
  }
}
