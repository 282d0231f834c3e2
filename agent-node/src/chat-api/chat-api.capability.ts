import type { Capability, CapabilityRoute, HeartbeatReport, NodeContext } from '../capability';
import type { KnowledgeContext } from '../knowledge';
import { counted, type CounterSnapshot } from '../storage/counters.repository';
import { ChatApiKeys } from './chat-api-keys';
import { ChatApiRepository } from './chat-api.repository';
import { ChatApiService } from './chat-api.service';
import { API_COUNTER, ChatCompletions } from './chat-completions';
import { ClientAddress } from '../http/client-address';
import { TokenBuckets } from './rate-limits';

/** Request bodies up to this size are read; longer inputs are refused by `maxInputChars` (400). */
const BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The OpenAI-compatible chat API (`/v1/chat/completions`, `/v1/models`) for the customer's
 * developers, with workspace keys held as hashes. Each key is an `api` channel of the config;
 * a key with history on keeps its conversations like any channel, one without stores nothing.
 */
export class ChatApiCapability implements Capability {
  readonly name = 'chat-api';
  private readonly repo: ChatApiRepository;
  private readonly service: ChatApiService;

  constructor(ctx: NodeContext, knowledge?: KnowledgeContext) {
    const { cfg } = ctx;
    this.repo = new ChatApiRepository(ctx.db, ctx.transaction);
    const completions = new ChatCompletions({
      config: ctx.config,
      secrets: ctx.secrets,
      conversations: ctx.conversations,
      models: ctx.models,
      repo: this.repo,
      state: () => ctx.node.state(),
      knowledge,
      logger: ctx.logger,
      limits: cfg.chatApi,
      history: { maxMessages: cfg.model.historyMaxMessages, charBudget: cfg.model.historyCharBudget },
    });
    this.service = new ChatApiService({
      keys: new ChatApiKeys(this.repo, ctx.secrets, ctx.config),
      buckets: new TokenBuckets(),
      address: new ClientAddress(cfg.trustedProxies),
      completions,
      counters: ctx.counters,
      transaction: ctx.transaction,
      repo: this.repo,
      config: ctx.config,
      cfg: cfg.chatApi,
      logger: ctx.logger,
    });
  }

  routes(): CapabilityRoute[] {
    return [
      {
        method: 'POST',
        path: '/v1/chat/completions',
        bodyLimit: BODY_LIMIT,
        handler: async (ctx) => {
          await this.service.chatCompletions(ctx);
          return { handled: true };
        },
      },
      {
        method: 'GET',
        path: '/v1/models',
        handler: async (ctx) => {
          await this.service.models(ctx);
          return { handled: true };
        },
      },
      {
        method: 'GET',
        path: '/v1/models/:id',
        handler: async (ctx) => {
          await this.service.models(ctx, ctx.params.id);
          return { handled: true };
        },
      },
    ];
  }

  heartbeat(counters: CounterSnapshot) {
    const used = this.repo.unreportedUse();
    return {
      counters: {
        api: {
          requests: counted(counters, API_COUNTER.requests),
          failures: counted(counters, API_COUNTER.failures),
          tokensIn: counted(counters, API_COUNTER.tokensIn),
          tokensOut: counted(counters, API_COUNTER.tokensOut),
          ...(used.length
            ? { keysLastUsed: used.map((u) => ({ id: u.id, lastUsedAt: new Date(u.lastUsedAt).toISOString() })) }
            : {}),
        },
      },
    };
  }

  acknowledged(report: HeartbeatReport): void {
    const used = report.counters.api?.keysLastUsed ?? [];
    this.repo.markReported(used.map((u) => ({ id: u.id, lastUsedAt: Date.parse(u.lastUsedAt) })));
  }
}
