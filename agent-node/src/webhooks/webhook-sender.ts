import type { WebhookEventType } from '@enclave/node-protocol';
import { guardedRequest, OutboundRefused, type OutboundRequest, type OutboundResponse } from '../http/outbound-guard';
import type { NodeLogger } from '../logging/logger';
import type { Transaction } from '../storage/database';
import type { SecretRepository } from '../storage/secret.repository';
import type { DeliveryRepository, DueDelivery } from './delivery.repository';
import { isRetryable, MAX_ATTEMPTS, nextAttemptAt } from './retry-schedule';
import { buildPayload, type LeadFields } from './webhook-payloads';
import { newWebhookId, signingKey, webhookHeaders } from './webhook-signing';
import type { WebhookRepository } from './webhook.repository';
import type { WebhooksConfig } from './webhooks-config';

/** Time as the sender sees it: tests move it forward to walk the retry schedule. */
export interface Clock {
  now(): number;
}

export interface WebhookSenderDeps {
  readonly endpoints: WebhookRepository;
  readonly deliveries: DeliveryRepository;
  readonly secrets: SecretRepository;
  readonly transaction: Transaction;
  readonly logger: NodeLogger;
  readonly cfg: WebhooksConfig;
  readonly clock: Clock;
  /** While true (node suspended) nothing is sent; events and deliveries wait. */
  readonly paused?: () => boolean;
  readonly random?: () => number;
  /** The HTTP exchange (the outbound guard); replaceable only to count calls. */
  readonly request?: (req: OutboundRequest) => Promise<OutboundResponse>;
}

const EVENTS_PER_PASS = 200;
const USER_AGENT = 'Enclave-Webhooks/1';
/** Failures no retry can mend (the URL itself is refused, or the endpoint went); anything else is retried. */
const FINAL_ERRORS = new Set([
  'invalid_url',
  'scheme_refused',
  'credentials_in_url',
  'private_address',
  'too_many_redirects',
  'endpoint_removed',
]);

/**
 * Turns trigger-written events into deliveries (one per subscribed endpoint, its `webhook-id`
 * fixed in the same transaction that consumes the event) and sends due deliveries, signed,
 * through the outbound guard. A delivery is retried on the Standard Webhooks schedule on
 * timeouts, network errors, 5xx (and 408/429); any other 4xx fails it; 410 also disables the
 * endpoint and queues a notice for the control plane. State is written after each attempt, so
 * a crash mid-attempt repeats that attempt after restart under the same `webhook-id`.
 */
export class WebhookSender {
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private pumping = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: WebhookSenderDeps) {}

  /** Events → deliveries; returns how many deliveries were created. */
  fanOut(): number {
    const { endpoints, deliveries, transaction, clock } = this.deps;
    let created = 0;
    for (;;) {
      const events = endpoints.events(EVENTS_PER_PASS);
      if (events.length === 0) return created;
      transaction(() => {
        const listening = endpoints.endpoints().filter((e) => e.enabled && e.nodeDisabledAt === null);
        for (const event of events) {
          endpoints.deleteEvent(event.id);
          const targets = listening.filter((e) => e.events.includes(event.type));
          if (targets.length === 0) continue;
          const payload = buildPayload(
            event.type,
            event.at,
            endpoints.conversation(event.conversationId),
            event.messageId === null ? undefined : endpoints.message(event.messageId),
            event.data === null ? undefined : (JSON.parse(event.data) as LeadFields),
          );
          if (!payload) continue;
          const body = JSON.stringify(payload);
          for (const endpoint of targets) {
            deliveries.add({
              id: newWebhookId(),
              endpointId: endpoint.id,
              eventType: event.type as WebhookEventType,
              conversationId: event.conversationId,
              messageId: event.messageId,
              body,
              at: clock.now(),
            });
            created += 1;
          }
        }
      });
    }
  }

  /** Fans out, then sends every delivery due now (up to the concurrency) and waits for them. */
  async runDue(): Promise<number> {
    if (this.deps.paused?.()) return 0;
    this.fanOut();
    const { deliveries, cfg, clock } = this.deps;
    let sent = 0;
    for (;;) {
      const room = cfg.concurrency - this.inFlight.size;
      if (room <= 0) return sent;
      const due = deliveries.due(clock.now(), room, [...this.inFlight]);
      if (due.length === 0) return sent;
      await Promise.all(due.map((d) => this.attempt(d)));
      sent += due.length;
    }
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.pumping || this.inFlight.size > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  kick(): void {
    if (this.stopped || this.pumping) return;
    if (this.timer) clearTimeout(this.timer);
    this.pumping = true;
    setImmediate(() => {
      this.runDue()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'webhook pass failed'))
        .finally(() => {
          this.pumping = false;
          for (const wake of this.idleWaiters.splice(0)) wake();
          if (this.stopped) return;
          this.timer = setTimeout(() => this.kick(), this.deps.cfg.pollMs);
          this.timer.unref();
        });
    });
  }

  private async attempt(d: DueDelivery): Promise<void> {
    const { endpoints, deliveries, secrets, cfg, clock, transaction, logger } = this.deps;
    this.inFlight.add(d.id);
    try {
      const endpoint = endpoints.endpoint(d.endpointId);
      const secret = secrets.resolve('webhook_signing_secret', d.endpointId);
      const key = secret === undefined ? undefined : signingKey(secret);
      const started = clock.now();
      let status: number | null = null;
      let error: string | null = null;
      if (!endpoint) error = 'endpoint_removed';
      else if (!key) error = 'signing_secret_missing';
      else {
        try {
          const res = await (this.deps.request ?? ((r) => guardedRequest(r, { allowHosts: cfg.testAllowHosts })))({
            method: 'POST',
            url: endpoint.url,
            headers: {
              'content-type': 'application/json',
              'user-agent': USER_AGENT,
              ...webhookHeaders(key, d.id, clock.now(), d.body),
            },
            body: d.body,
            timeoutMs: cfg.timeoutMs,
            maxResponseBytes: cfg.maxResponseBytes,
            maxRedirects: cfg.maxRedirects,
          });
          status = res.status;
        } catch (err) {
          error = err instanceof OutboundRefused ? err.reason : 'connection_failed';
        }
      }
      const at = clock.now();
      const result = { at, status, error, durationMs: Math.max(0, at - started) };
      const delivered = status !== null && status >= 200 && status < 300;
      const attemptsSoFar = d.attempts - d.retryBase + 1;
      const refused = error !== null && FINAL_ERRORS.has(error);
      transaction(() => {
        if (delivered) deliveries.recordAttempt(d.id, result, 'delivered');
        else if (refused || !isRetryable(status) || attemptsSoFar >= MAX_ATTEMPTS)
          deliveries.recordAttempt(d.id, result, 'failed');
        else {
          const nextAt = nextAttemptAt(attemptsSoFar, at, this.deps.random);
          deliveries.recordAttempt(d.id, result, nextAt === null ? 'failed' : { nextAt });
        }
        if (status === 410) endpoints.disableEndpoint(d.endpointId, status, at);
      });
      if (!delivered)
        logger.info({ endpointId: d.endpointId, webhookId: d.id, status, error }, 'webhook attempt failed');
    } finally {
      this.inFlight.delete(d.id);
    }
  }
}
