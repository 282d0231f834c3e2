import type { Capability, NodeContext } from './capability';
import { ChannelsCapability } from './channels/channels.capability';
import { ChatApiCapability } from './chat-api/chat-api.capability';
import { ControlCapability } from './control/control.capability';
import { ExportsCapability } from './exports/exports.capability';
import { InboxCapability } from './inbox/inbox.capability';
import { KnowledgeCapability } from './knowledge/knowledge.capability';
import { MessagingCapability } from './messaging/messaging.capability';
import { RetentionCapability } from './retention/retention.capability';
import { TranscriptsCapability } from './transcripts/transcripts.capability';
import { WebhooksCapability } from './webhooks/webhooks.capability';
import { WidgetCapability } from './widget/widget.capability';

/**
 * Everything the node does, in start order (stopped in reverse). A new capability is a folder
 * with its routes, service and repository and a `<name>.capability.ts`, plus one line here;
 * one that needs another's service takes it as a constructor argument, so it comes after it.
 */
export function createCapabilities(ctx: NodeContext) {
  const channels = new ChannelsCapability(ctx);
  const webhooks = new WebhooksCapability(ctx);
  const transcripts = new TranscriptsCapability(ctx);
  const inbox = new InboxCapability(ctx, () => messaging.worker.kick());
  const knowledge = new KnowledgeCapability(ctx);
  const messaging = new MessagingCapability(ctx, channels, inbox.handoff, knowledge.context);
  return {
    channels,
    inbox,
    knowledge,
    messaging,
    widget: new WidgetCapability(ctx, channels, inbox.handoff, messaging.worker, webhooks.leadCreated),
    exports: new ExportsCapability(ctx),
    retention: new RetentionCapability(ctx),
    chatApi: new ChatApiCapability(ctx, knowledge.context),
    webhooks,
    transcripts,
    control: new ControlCapability(ctx, {
      channels: channels.gateway,
      replies: messaging.worker,
      configured: [webhooks.applyConfig, transcripts.applyConfig],
    }),
  } satisfies Record<string, Capability>;
}

export type Capabilities = ReturnType<typeof createCapabilities>;
