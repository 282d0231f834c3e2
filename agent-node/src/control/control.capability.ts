import type { Capability, NodeContext } from '../capability';
import { controlRoutes } from './control.routes';
import { ControlService, type ChannelRegistrations, type ConfigListener, type ReplyQueue } from './control.service';

/** The control plane's hold on the node: config, secrets, suspension, trusted keys, wipe. */
export class ControlCapability implements Capability {
  readonly name = 'control';
  private readonly service: ControlService;

  constructor(
    private readonly ctx: NodeContext,
    deps: {
      readonly channels: ChannelRegistrations;
      readonly replies: ReplyQueue;
      readonly configured?: ConfigListener[];
    },
  ) {
    this.service = new ControlService(
      ctx.settings,
      ctx.config,
      ctx.secrets,
      ctx.transaction,
      deps.channels,
      deps.replies,
      ctx.logger,
      deps.configured,
    );
  }

  routes() {
    return controlRoutes({
      control: this.service,
      trustedKeys: this.ctx.trustedKeys,
      node: this.ctx.node,
      nodeId: this.ctx.cfg.nodeId,
    });
  }

  wipe() {
    return { secrets: this.ctx.secrets.count() };
  }
}
