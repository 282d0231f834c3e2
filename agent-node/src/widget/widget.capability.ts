import type { Capability, NodeContext } from '../capability';
import type { ChannelGateway } from '../channels/channel.gateway';
import type { InboundStore } from '../channels/inbound-store';
import type { ReplyWorker } from '../messaging/reply.worker';
import { WidgetAssets } from './widget-assets';
import { WidgetDelivery } from './widget-delivery';
import { WidgetHub } from './widget-hub';
import { WidgetLimits } from './widget-limits';
import { WidgetRepository } from './widget.repository';
import { ClientAddress } from '../http/client-address';
import { widgetRoutes } from './widget.routes';
import { WidgetService, type WidgetDeps } from './widget.service';

/**
 * The website chat widget, served by the node: the loader and framed panel, the visitor API,
 * and the `web` channel's delivery (stored events pushed to open streams, reply fragments live).
 * Visitor messages never touch the control plane; it only sends the widget's settings.
 */
export class WidgetCapability implements Capability {
  readonly name = 'widget';
  readonly hub: WidgetHub;
  readonly service: WidgetService;
  readonly delivery: WidgetDelivery;
  private readonly assets = new WidgetAssets();

  constructor(
    private readonly ctx: NodeContext,
    channels: { readonly gateway: ChannelGateway; readonly inbound: InboundStore },
    handoff: { handOff(conversationId: string): void },
    replies: Pick<ReplyWorker, 'streamReplies'>,
    /** Pre-chat answers of each new conversation (the webhooks' lead.created). */
    onLead?: WidgetDeps['onLead'],
  ) {
    const repo = new WidgetRepository(ctx.db);
    this.hub = new WidgetHub(repo);
    this.delivery = new WidgetDelivery(repo, this.hub, ctx.conversations, ctx.transaction, ctx.config);
    this.service = new WidgetService({
      repo,
      hub: this.hub,
      limits: new WidgetLimits(),
      config: ctx.config,
      secrets: ctx.secrets,
      inbound: channels.inbound,
      transaction: ctx.transaction,
      handOff: (id) => handoff.handOff(id),
      onLead,
    });
    channels.gateway.serveWeb(this.delivery);
    replies.streamReplies((conversation, inboundId) => this.delivery.replyStream(conversation, inboundId));
  }

  routes() {
    return widgetRoutes({
      config: this.ctx.config,
      service: this.service,
      hub: this.hub,
      assets: this.assets,
      nodeOrigin: new URL(this.ctx.cfg.publicBaseUrl).origin,
      address: new ClientAddress(this.ctx.cfg.trustedProxies),
    });
  }

  stop(): void {
    this.hub.closeAll();
  }
}
