import type { NodeLogger } from '../logging/logger';
import type { ChannelGateway } from '../channels/channel.gateway';
import { knowledgeFor, type KnowledgeContext } from '../knowledge';
import type { ModelClient } from '../models/model-client';
import type { ConfigRepository } from '../storage/config.repository';
import type { ConversationRepository, ConversationRow } from '../storage/conversation.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { Transaction } from '../storage/database';
import type { SecretRepository } from '../storage/secret.repository';
import { buildTurns } from './history';
import { completeWithRetries } from './model-attempts';
import type { ReplyJobRepository, ReplyJobRow } from './reply-job.repository';
import { REPLY_TEXT } from './replies';
import { sendReply } from './reply-send';

/** What the worker reads and writes, and where replies come from and go to. */
export interface ReplyWorkerDeps {
  readonly jobs: ReplyJobRepository;
  readonly conversations: ConversationRepository;
  readonly config: ConfigRepository;
  readonly secrets: SecretRepository;
  readonly counters: CountersRepository;
  readonly transaction: Transaction;
  readonly models: ModelClient;
  /** Every send goes through the gateway, which applies the WhatsApp window rule. */
  readonly channels: Pick<ChannelGateway, 'send'>;
  /** Hands conversations to people (the team inbox); the worker asks it before calling the model. */
  readonly handoff: Handoff;
  /** The knowledge base: excerpts and the business profile for the prompt, sources for the reply. */
  readonly knowledge?: KnowledgeContext;
}

/** What the worker needs of the handoff between agent and people. */
export interface Handoff {
  asksForPerson(text: string | null): boolean;
  handsOffWhenNoAnswer(): boolean;
  handOff(conversationId: string, now?: number): void;
}

/**
 * Where a channel wants the reply's text fragments as the model writes them (the website widget
 * while its visitor watches); undefined: no streaming. The stored reply is sent as always.
 */
export type ReplyStream = (conversation: ConversationRow, inboundId: number) => ((text: string) => void) | undefined;

export interface ReplyWorkerOptions {
  readonly maxModelAttempts: number;
  readonly modelBackoffBaseMs: number;
  readonly historyCharBudget: number;
  readonly historyMaxMessages: number;
  readonly maxSendAttempts: number;
  readonly sendBackoffBaseMs: number;
  readonly concurrency: number;
}

/** Job outcomes of the handoff (reply_jobs.last_error of skipped jobs). */
const HANDLED_BY_PEOPLE = 'handled_by_people';
const HANDED_OFF = 'handed_off';

/**
 * Drains the durable reply queue (SQLite `reply_jobs`).
 *
 * - generation: the reply (or the polite fallback after the last failed model attempt) is
 *   stored with the job moving to 'ready' in one transaction, so a restart never asks the
 *   model twice for a message that already has a reply;
 * - sending (`reply-send.ts`): the send attempt is recorded before the call and the provider's
 *   message id with state 'sent' after it; a 'sent' job is never sent again. The gateway applies
 *   WhatsApp's 24-hour window to every send (template instead, or `window_closed`). A crash exactly during the
 *   provider call leaves the job 'ready' and it is sent again after restart (at-least-once
 *   in that one window, documented in docs/agent-node.md);
 * - ordering: only the oldest open job of a conversation is due, so replies of one chat go
 *   out in order, while different chats proceed in parallel.
 */
export class ReplyWorker {
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private paused = false;
  private idleWaiters: (() => void)[] = [];
  private scheduling = false;
  private replyStream: ReplyStream | undefined;

  constructor(
    private readonly deps: ReplyWorkerDeps,
    private readonly options: ReplyWorkerOptions,
    private readonly logger: NodeLogger,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops taking new jobs and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight.size > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** While paused (node suspended) no job is picked up; resume continues where it stopped. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.kick();
  }

  /** The widget's hook for live reply fragments (see `ReplyStream`). */
  streamReplies(stream: ReplyStream): void {
    this.replyStream = stream;
  }

  /** Looks for due jobs now (called after each stored inbound message). */
  kick(): void {
    if (this.stopped || this.paused || this.scheduling) return;
    this.scheduling = true;
    setImmediate(() => {
      this.scheduling = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped || this.paused) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const free = this.options.concurrency - this.inFlight.size;
    if (free > 0) {
      for (const job of this.deps.jobs.due(Date.now(), free, this.inFlight)) {
        this.inFlight.add(job.conversationId);
        void this.process(job)
          .catch((err: unknown) => this.logger.error({ err, jobId: job.id }, 'reply job crashed'))
          .finally(() => {
            this.inFlight.delete(job.conversationId);
            if (this.inFlight.size === 0) this.idleWaiters.splice(0).forEach((w) => w());
            this.kick();
          });
      }
    }
    // Jobs of conversations in flight are picked up when their predecessor finishes (kick).
    const next = this.deps.jobs.nextDueAt(this.inFlight);
    if (next !== undefined) {
      this.timer = setTimeout(() => this.pump(), Math.max(50, Math.min(next - Date.now(), 60_000)));
      this.timer.unref();
    }
  }

  private async process(job: ReplyJobRow): Promise<void> {
    let current: ReplyJobRow | undefined = job;
    if (current.state === 'pending') {
      await this.generate(current);
      current = this.deps.jobs.get(job.id);
    }
    if (current && current.state === 'ready' && !this.stopped && !this.paused) await this.send(current);
  }

  private async generate(job: ReplyJobRow): Promise<void> {
    const inbound =
      job.inboundMessageId === null ? undefined : this.deps.conversations.getMessage(job.inboundMessageId);
    const conversation = this.deps.conversations.getConversation(job.conversationId);
    if (!inbound || !conversation) return this.deps.jobs.finish(job.id, 'skipped', 'message_gone', Date.now());
    if (conversation.handler === 'human')
      return this.deps.jobs.finish(job.id, 'skipped', HANDLED_BY_PEOPLE, Date.now());
    if (inbound.kind === 'text' && this.deps.handoff.asksForPerson(inbound.text)) {
      return this.handOff(job, 'asked_for_person');
    }
    const channel = this.deps.config.getChannel(conversation.channelId);
    const agent = channel ? this.deps.config.getAgent(channel.agentId) : undefined;
    if (!channel || !channel.enabled || !agent || !agent.enabled) {
      return this.deps.jobs.finish(
        job.id,
        'skipped',
        !channel || !channel.enabled ? 'channel_disabled' : 'agent_disabled',
        Date.now(),
      );
    }

    let text: string;
    let kind: 'text' | 'fallback' = 'text';
    let attempts = job.attempts;
    if (inbound.kind === 'unsupported') {
      text = REPLY_TEXT.unsupported;
    } else {
      const apiKey = this.deps.secrets.resolve(
        agent.provider === 'openai' ? 'openai_api_key' : 'anthropic_api_key',
        agent.id,
      );
      const turns = buildTurns(
        this.deps.conversations.recentMessages(conversation.id, inbound.id, this.options.historyMaxMessages),
        this.options.historyCharBudget,
      );
      const knowledge = await knowledgeFor(this.deps.knowledge, agent.id, inbound.text, channel.type, this.logger);
      const asked = await completeWithRetries(
        this.deps.models,
        apiKey
          ? {
              provider: agent.provider,
              model: agent.model,
              apiKey,
              system: knowledge.system(agent.instructions),
              turns,
              ...this.deltas(conversation, inbound.id),
            }
          : undefined,
        {
          attemptsSoFar: attempts,
          maxAttempts: this.options.maxModelAttempts,
          backoffBaseMs: this.options.modelBackoffBaseMs,
          stopped: () => this.stopped,
          onFailure: (code, attempt) =>
            this.logger.warn({ jobId: job.id, provider: agent.provider, code, attempt }, 'model call failed'),
        },
      );
      const { reply, lastCode } = asked;
      attempts = asked.attempts;
      if (reply?.handoff) return this.handOff(job, 'model_requested');
      if (reply === undefined && this.deps.handoff.handsOffWhenNoAnswer() && !this.stopped) {
        this.deps.counters.increment(COUNTER.providerErrors);
        return this.handOff(job, 'no_answer');
      }
      if (reply === undefined) {
        this.deps.counters.increment(COUNTER.providerErrors);
        this.deps.counters.increment(COUNTER.fallbackReplies);
        this.logger.warn({ jobId: job.id, provider: agent.provider, code: lastCode }, 'sending fallback reply');
        text = REPLY_TEXT.fallback;
        kind = 'fallback';
      } else {
        text = knowledge.cite(reply.text);
      }
    }
    if (this.stopped) return; // shutting down: leave the job pending, it resumes on restart
    const now = Date.now();
    this.storeReply(job, conversation.id, kind, text, inbound.id, attempts, now);
  }

  /** The reply's fragments for whoever watches the conversation live (see `ReplyStream`). */
  private deltas(conversation: ConversationRow, inboundId: number): { onDelta?: (text: string) => void } {
    const onDelta = this.replyStream?.(conversation, inboundId);
    return onDelta ? { onDelta } : {};
  }

  /** The conversation goes to people; this job ends unanswered by the agent. */
  private handOff(job: ReplyJobRow, reason: 'asked_for_person' | 'model_requested' | 'no_answer'): void {
    this.deps.transaction(() => {
      this.deps.jobs.finish(job.id, 'skipped', HANDED_OFF, Date.now());
      this.deps.handoff.handOff(job.conversationId);
    });
    this.logger.info({ jobId: job.id, reason }, 'conversation handed to people');
  }

  private storeReply(
    job: ReplyJobRow,
    conversationId: string,
    kind: 'text' | 'fallback' | 'unsupported',
    text: string,
    inboundId: number,
    attempts: number,
    now: number,
  ): void {
    this.deps.transaction(() => {
      const fresh = this.deps.jobs.get(job.id);
      if (!fresh || fresh.state !== 'pending') return; // erased or already done meanwhile
      const replyId = this.deps.conversations.insertOutbound(
        conversationId,
        kind === 'unsupported' ? 'notice' : kind,
        text,
        inboundId,
        now,
      );
      this.deps.jobs.markReady(job.id, replyId, attempts, now);
    });
  }

  private async send(job: ReplyJobRow): Promise<void> {
    const reply = job.replyMessageId ? this.deps.conversations.getMessage(job.replyMessageId) : undefined;
    const conversation = this.deps.conversations.getConversation(job.conversationId);
    const inbound =
      job.inboundMessageId === null ? undefined : this.deps.conversations.getMessage(job.inboundMessageId);
    if (!reply || !conversation || !reply.text)
      return this.deps.jobs.finish(job.id, 'skipped', 'message_gone', Date.now());
    // Checked again right before the send: a takeover while the model was answering wins.
    if (job.origin === 'agent' && conversation.handler === 'human') {
      this.deps.conversations.setDelivery(reply.id, 'withheld');
      return this.deps.jobs.finish(job.id, 'skipped', HANDLED_BY_PEOPLE, Date.now());
    }
    const channel = this.deps.config.getChannel(conversation.channelId);
    if (!channel) return this.deps.jobs.finish(job.id, 'skipped', 'channel_gone', Date.now());
    if (reply.deliveryStatus === 'sent' || reply.externalId) {
      // Sent before a crash but the job was not updated: never send twice.
      this.deps.jobs.markSent(job.id, Date.now());
      return;
    }
    await sendReply(
      this.deps,
      this.options,
      this.logger,
      { job, reply: { ...reply, text: reply.text }, conversation, channel },
      inbound?.externalId,
    );
  }
}
