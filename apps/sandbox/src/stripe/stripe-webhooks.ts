import { createHmac, randomBytes } from 'node:crypto';

/**
 * Signs and delivers events the way Stripe does
 * (https://docs.stripe.com/webhooks#verify-manually): the body is the event JSON,
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
 * any non-2xx answer (or a timeout) is retried later with backoff.
 */

export interface WebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  /** Event types, or ['*'] for all. */
  enabledEvents: string[];
  description: string | null;
  metadata: Record<string, string>;
  created: number;
  status: 'enabled' | 'disabled';
}

export interface DeliveryAttempt {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  url: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  status: number | null;
  ok: boolean;
  error: string | null;
  response_body: string | null;
  /** When the next retry is planned (null: delivered, or no retry left). */
  next_retry_at: string | null;
}

export interface WebhookDeliveryOptions {
  /** Delays before retry 1, 2, … after a failed attempt; its length is the number of retries. */
  readonly retryDelaysMs: readonly number[];
  readonly timeoutMs: number;
}

export interface DeliverableEvent {
  id: string;
  type: string;
}

export function signPayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64').replace(/[+/=]/g, '').slice(0, 32)}`;
}

export function subscribes(endpoint: WebhookEndpoint, type: string): boolean {
  return (
    endpoint.status === 'enabled' && (endpoint.enabledEvents.includes('*') || endpoint.enabledEvents.includes(type))
  );
}

export class WebhookDeliverer {
  readonly log: DeliveryAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  /** First attempts go out in event order per endpoint; retries run on their own. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopped = false;
  private seq = 0;

  constructor(
    private readonly options: WebhookDeliveryOptions,
    private readonly onDelivered: (eventId: string, endpointId: string) => void,
  ) {}

  deliver(event: DeliverableEvent, payload: string, endpoint: WebhookEndpoint): void {
    const previous = this.queues.get(endpoint.id) ?? Promise.resolve();
    const next = previous.then(() => this.attempt(event, payload, endpoint, 1));
    this.queues.set(endpoint.id, next);
  }

  /** Resolves once every first attempt queued so far has finished (retries excluded). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.controllers) controller.abort();
  }

  private async attempt(
    event: DeliverableEvent,
    payload: string,
    endpoint: WebhookEndpoint,
    attempt: number,
  ): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    const record: DeliveryAttempt = {
      id: `whdel_${String(++this.seq).padStart(6, '0')}`,
      event_id: event.id,
      event_type: event.type,
      endpoint_id: endpoint.id,
      url: endpoint.url,
      attempt,
      started_at: new Date(started).toISOString(),
      duration_ms: 0,
      status: null,
      ok: false,
      error: null,
      response_body: null,
      next_retry_at: null,
    };
    const controller = new AbortController();
    this.controllers.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'cache-control': 'no-cache',
          accept: '*/*; q=0.5, application/xml',
          'stripe-signature': signPayload(payload, endpoint.secret),
        },
        body: payload,
        signal: controller.signal,
      });
      record.status = response.status;
      record.response_body = (await response.text().catch(() => '')).slice(0, 1000);
      record.ok = response.status >= 200 && response.status < 300;
      if (!record.ok) record.error = `HTTP ${response.status}`;
    } catch (error) {
      record.error = controller.signal.aborted ? 'Timed out' : (error as Error).message;
    } finally {
      clearTimeout(timeout);
      this.controllers.delete(controller);
    }
    record.duration_ms = Date.now() - started;
    this.log.push(record);
    if (record.ok) {
      this.onDelivered(event.id, endpoint.id);
      return;
    }
    const delay = this.options.retryDelaysMs[attempt - 1];
    if (delay === undefined || this.stopped) return;
    record.next_retry_at = new Date(Date.now() + delay).toISOString();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(event, payload, endpoint, attempt + 1);
    }, delay);
    this.timers.add(timer);
  }
}
