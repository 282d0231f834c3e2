import { eraseConversationRequestSchema, NODE_ROUTES, type EraseConversationRequest } from '@enclave/node-protocol';
import type { Capability, CapabilityRoute, NodeContext } from '../capability';
import type { ChannelGateway } from '../channels/channel.gateway';
import type { InboundStore } from '../channels/inbound-store';
import type { KnowledgeContext } from '../knowledge';
import { parseJsonBody } from '../http/http-server';
import { COUNTER, counted, type CounterSnapshot } from '../storage/counters.repository';
import { ProviderChecks } from './provider-checks';
import { ReplyJobRepository } from './reply-job.repository';
import { ReplyWorker, type Handoff } from './reply.worker';

/** Conversations and the durable reply queue: each inbound message gets one model reply. */
export class MessagingCapability implements Capability {
  readonly name = 'messaging';
  readonly jobs: ReplyJobRepository;
  readonly worker: ReplyWorker;
  private readonly providers: ProviderChecks;

  constructor(
    private readonly ctx: NodeContext,
    channels: { readonly gateway: Pick<ChannelGateway, 'send'>; readonly inbound: InboundStore },
    handoff: Handoff,
    knowledge?: KnowledgeContext,
  ) {
    const { cfg } = ctx;
    this.jobs = new ReplyJobRepository(ctx.db);
    this.worker = new ReplyWorker(
      {
        jobs: this.jobs,
        conversations: ctx.conversations,
        config: ctx.config,
        secrets: ctx.secrets,
        counters: ctx.counters,
        transaction: ctx.transaction,
        models: ctx.models,
        channels: channels.gateway,
        handoff,
        knowledge,
      },
      {
        maxModelAttempts: cfg.model.maxAttempts,
        modelBackoffBaseMs: cfg.model.backoffBaseMs,
        historyCharBudget: cfg.model.historyCharBudget,
        historyMaxMessages: cfg.model.historyMaxMessages,
        maxSendAttempts: cfg.delivery.maxSendAttempts,
        sendBackoffBaseMs: cfg.delivery.sendBackoffBaseMs,
        concurrency: cfg.delivery.concurrency,
      },
      ctx.logger,
    );
    this.providers = new ProviderChecks(ctx.config, ctx.secrets, ctx.models);
    channels.inbound.onStored(() => this.worker.kick());
  }

  routes(): CapabilityRoute[] {
    return [
      {
        signed: true,
        ...NODE_ROUTES.eraseConversation,
        handler: (ctx) => ({ status: 200, json: this.erase(parseJsonBody(ctx, eraseConversationRequestSchema)) }),
      },
    ];
  }

  start(): void {
    this.worker.setPaused(this.ctx.node.state() === 'suspended');
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  async checks() {
    return { providers: await this.providers.check() };
  }

  heartbeat(counters: CounterSnapshot) {
    return {
      counters: {
        providerErrors: counted(counters, COUNTER.providerErrors),
        fallbackReplies: counted(counters, COUNTER.fallbackReplies),
      },
    };
  }

  wipe() {
    this.worker.setPaused(true);
    return this.ctx.conversations.counts();
  }

  /** Deletes one conversation with its messages and reply jobs (by id, or by channel and chat). */
  private erase(req: EraseConversationRequest): { erased: boolean; messages: number } {
    const { conversations, logger } = this.ctx;
    const conversation =
      'conversationId' in req
        ? conversations.getConversation(req.conversationId)
        : conversations.findConversation(req.channelId, req.externalChatId);
    if (!conversation) return { erased: false, messages: 0 };
    const result = conversations.eraseConversation(conversation.id);
    logger.info({ messageCount: result.messages }, 'conversation erased');
    return result;
  }
}
