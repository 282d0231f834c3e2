import type { ApplyConfigRequest } from '@enclave/node-protocol';
import type { Capability, HeartbeatReport, NodeContext } from '../capability';
import { DeliveryRepository } from './delivery.repository';
import type { LeadFields } from './webhook-payloads';
import { WebhookSender, type Clock } from './webhook-sender';
import { WebhookRepository } from './webhook.repository';
import { webhookRoutes } from './webhooks.routes';

const DAY_MS = 86_400_000;

/**
 * Outbound webhooks (docs/webhooks.md): endpoints as the control plane configures them,
 * events written by database triggers, a durable signed delivery queue with the Standard
 * Webhooks retry schedule, and the delivery log the dashboard reads over node sessions.
 * The control plane hears only that an endpoint was disabled (heartbeat notices).
 */
export class WebhooksCapability implements Capability {
  readonly name = 'webhooks';
  readonly endpoints: WebhookRepository;
  readonly deliveries: DeliveryRepository;
  readonly sender: WebhookSender;
  /** The sender's time; tests replace `now` to walk the retry schedule. */
  readonly clock: Clock = { now: () => Date.now() };
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: NodeContext) {
    this.endpoints = new WebhookRepository(ctx.db);
    this.deliveries = new DeliveryRepository(ctx.db);
    this.sender = new WebhookSender({
      endpoints: this.endpoints,
      deliveries: this.deliveries,
      secrets: ctx.secrets,
      transaction: ctx.transaction,
      logger: ctx.logger,
      cfg: ctx.cfg.webhooks,
      clock: { now: () => this.clock.now() },
      paused: () => ctx.node.state() !== 'active',
    });
  }

  /** Part of applying a config (inside its transaction): endpoints replaced, removed ones' secrets dropped. */
  readonly applyConfig = (cfg: ApplyConfigRequest): void => {
    for (const id of this.endpoints.sync(cfg.webhooks ?? [])) this.ctx.secrets.delete('webhook_signing_secret', id);
  };

  /**
   * The node-internal hook for `lead.created`: the widget calls it, in the transaction that
   * starts a conversation, with the visitor's pre-chat answers.
   */
  readonly leadCreated = (conversationId: string, lead: LeadFields, at: number): void => {
    if (lead.name === null && lead.email === null && lead.phone === null) return;
    this.endpoints.addEvent('lead.created', conversationId, lead, at);
  };

  routes() {
    return webhookRoutes({
      endpoints: this.endpoints,
      deliveries: this.deliveries,
      secrets: this.ctx.secrets,
      now: () => this.clock.now(),
      kick: () => this.sender.kick(),
    });
  }

  /** The sender's loop, and the nightly trim of the delivery log. */
  schedule(): void {
    this.sender.start();
    const prune = () => {
      const removed = this.deliveries.prune(Date.now() - this.ctx.cfg.webhooks.logDays * DAY_MS);
      if (removed > 0) this.ctx.logger.info({ deliveryCount: removed }, 'webhook log trimmed');
    };
    prune();
    this.pruneTimer = setInterval(prune, DAY_MS);
    this.pruneTimer.unref();
  }

  stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    return this.sender.stop();
  }

  heartbeat() {
    const webhookNotices = this.endpoints.notices().map((n) => ({
      id: n.id,
      type: n.type,
      endpointId: n.endpointId,
      status: n.status,
      at: new Date(n.at).toISOString(),
    }));
    return webhookNotices.length ? { webhookNotices } : {};
  }

  acknowledged(report: HeartbeatReport): void {
    const last = report.webhookNotices?.at(-1);
    if (last) this.endpoints.acknowledgeNotices(last.id);
  }
}
