import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { NodeState } from '@enclave/node-protocol';
import { knowledgeFor, type KnowledgeContext } from '../knowledge';
import type { NodeLogger } from '../logging/logger';
import { buildTurns } from '../messaging/history';
import { ModelCallError, type ChatTurn, type ModelClient, type TokenUsage } from '../models/model-client';
import type { AgentRow, ConfigRepository } from '../storage/config.repository';
import type { ConversationRepository } from '../storage/conversation.repository';
import type { SecretRepository } from '../storage/secret.repository';
import type { ChatApiConfig } from './chat-api-config';
import type { ApiKeyChannel } from './chat-api-keys';
import type { ChatApiRepository } from './chat-api.repository';
import {
  ChatApiError,
  ChunkWriter,
  CONVERSATION_ID,
  completionBody,
  completionId,
  invalidRequest,
  textOf,
  type ChatCompletionRequest,
} from './openai-wire';

export const API_COUNTER = {
  requests: 'api.requests',
  failures: 'api.failures',
  tokensIn: 'api.tokens_in',
  tokensOut: 'api.tokens_out',
} as const;

/** What one request comes to, written in one transaction when it ends (one fsync per request). */
export interface Tally {
  failed: boolean;
  usage?: TokenUsage;
  keyId?: string;
}

export interface ChatCompletionsDeps {
  readonly config: ConfigRepository;
  readonly secrets: SecretRepository;
  readonly conversations: ConversationRepository;
  readonly models: ModelClient;
  readonly repo: ChatApiRepository;
  readonly state: () => NodeState;
  /** The knowledge base, when the node has one: the same prompt section the reply worker adds. */
  readonly knowledge?: KnowledgeContext;
  readonly logger: NodeLogger;
  readonly limits: Pick<ChatApiConfig, 'maxInputChars' | 'maxMessages'>;
  readonly history: { readonly maxMessages: number; readonly charBudget: number };
}

/** The conversation of a history-on key, with the question just stored in it. */
interface Stored {
  readonly externalId: string;
  readonly conversationId: string;
  readonly messageId: number;
  /** The conversation existed before this question. */
  readonly continued: boolean;
}

/**
 * `POST /v1/chat/completions` once the key is known and within its limits: the model (an agent)
 * is checked against the key, the agent's instructions (plus knowledge) become the system
 * prompt, the caller's messages the conversation — after the stored one when the key keeps
 * history — and the answer goes back whole or streamed. The provider call stops when the
 * client goes away.
 */
export class ChatCompletions {
  constructor(private readonly deps: ChatCompletionsDeps) {}

  async answer(
    key: ApiKeyChannel,
    req: ChatCompletionRequest,
    res: ServerResponse,
    headers: Record<string, string>,
    tally: Tally,
  ): Promise<void> {
    const agent = this.agentFor(key, req.model);
    if (this.deps.state() !== 'active')
      throw new ChatApiError(503, 'service_unavailable', 'workspace_suspended', 'This workspace is suspended.');
    const { system, turns, question } = this.conversation(req);
    const apiKey = this.deps.secrets.resolve(
      agent.provider === 'openai' ? 'openai_api_key' : 'anthropic_api_key',
      agent.id,
    );
    if (!apiKey)
      throw new ChatApiError(
        503,
        'service_unavailable',
        'model_key_missing',
        'The agent has no model provider key yet.',
      );
    const stored = key.settings.api.history ? this.storeQuestion(key, req, question) : undefined;
    const prior = stored ? this.priorTurns(stored) : [];
    const prompt = await knowledgeFor(this.deps.knowledge, agent.id, question, 'api', this.deps.logger);
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const request = {
      provider: agent.provider,
      model: agent.model,
      apiKey,
      system: [prompt.system(agent.instructions), ...system].join('\n\n'),
      turns: [...prior, ...turns],
      signal: abort.signal,
      handoffTool: false,
    };
    const id = completionId();
    const extra = stored ? { conversation_id: stored.externalId } : {};
    if (stored) headers['x-conversation-id'] = stored.externalId;
    if (!req.stream) {
      const { text, usage } = await this.call(() => this.deps.models.complete(request));
      this.finish(stored, text, usage, tally);
      sendJson(res, 200, completionBody(id, agent.id, text, usage, extra), headers);
      return;
    }
    const writer = new ChunkWriter(id, agent.id, req.stream_options?.include_usage === true, (line) => {
      if (!res.destroyed) res.write(line);
    });
    let started = false;
    const begin = () => {
      if (started) return;
      started = true;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        ...headers,
      });
      writer.start();
    };
    try {
      const { text, usage } = await this.call(() =>
        this.deps.models.complete({
          ...request,
          onDelta: (delta) => {
            begin();
            writer.delta(delta);
          },
        }),
      );
      this.finish(stored, text, usage, tally);
      begin();
      writer.finish(usage);
      res.end();
    } catch (err) {
      if (!started || !(err instanceof ChatApiError)) throw err;
      writer.error(err);
      res.end();
      tally.failed = true;
    }
  }

  /** The agent `model` names; 400 when there is none, 403 when the key is for another agent. */
  agentFor(key: ApiKeyChannel, model: string): AgentRow {
    const agent = this.deps.config.getAgent(model);
    if (!agent || !agent.enabled)
      throw invalidRequest(`The model '${model}' does not exist or is not enabled.`, 'model', 'model_not_found');
    if (agent.id !== key.agentId)
      throw new ChatApiError(
        403,
        'invalid_request_error',
        'model_not_allowed',
        `This API key may not use the model '${model}'.`,
        'model',
      );
    return agent;
  }

  /** System texts the caller adds, the turns, and the question (the last user message). */
  private conversation(req: ChatCompletionRequest): { system: string[]; turns: ChatTurn[]; question: string } {
    const { maxMessages, maxInputChars } = this.deps.limits;
    if (req.messages.length > maxMessages)
      throw invalidRequest(`'messages' holds more than ${maxMessages} messages.`, 'messages', 'too_many_messages');
    const system: string[] = [];
    const turns: ChatTurn[] = [];
    let chars = 0;
    for (const m of req.messages) {
      const text = textOf(m.content);
      chars += text.length;
      if (m.role === 'system' || m.role === 'developer') system.push(text);
      else turns.push({ role: m.role, content: text });
    }
    if (chars > maxInputChars)
      throw invalidRequest(
        `The messages hold ${chars} characters; at most ${maxInputChars} are accepted.`,
        'messages',
        'context_length_exceeded',
      );
    const last = turns[turns.length - 1];
    if (!last || last.role !== 'user' || !last.content.trim())
      throw invalidRequest('The last message must be a non-empty user message.', 'messages', 'invalid_value');
    return { system, turns, question: last.content };
  }

  private storeQuestion(key: ApiKeyChannel, req: ChatCompletionRequest, question: string): Stored {
    let externalId = req.conversation_id;
    if (externalId === undefined && req.user !== undefined) {
      if (!CONVERSATION_ID.test(req.user))
        throw invalidRequest("'user' names the conversation on this key: 1-100 of A-Z a-z 0-9 . _ : @ -", 'user');
      externalId = req.user;
    }
    externalId ??= randomUUID();
    const at = Date.now();
    const previous = this.deps.conversations.findConversation(key.id, externalId);
    const { conversationId, messageId } = this.deps.repo.storeQuestion(key.id, externalId, question, at);
    return { externalId, conversationId, messageId, continued: previous !== undefined };
  }

  /** What the conversation held before this question (nothing for a new one). */
  private priorTurns(stored: Stored): ChatTurn[] {
    if (!stored.continued) return [];
    const recent = this.deps.conversations.recentMessages(
      stored.conversationId,
      stored.messageId - 1,
      this.deps.history.maxMessages,
    );
    return buildTurns(recent, this.deps.history.charBudget);
  }

  private finish(stored: Stored | undefined, text: string, usage: TokenUsage | undefined, tally: Tally): void {
    if (stored) this.deps.repo.storeAnswer(stored.conversationId, text, stored.messageId, Date.now());
    tally.usage = usage;
  }

  /** The model's answer, or the provider's failure as a ChatApiError. */
  private async call(
    complete: () => ReturnType<ModelClient['complete']>,
  ): Promise<{ text: string; usage: TokenUsage | undefined }> {
    try {
      const answer = await complete();
      if (answer.handoff) throw new ModelCallError('unexpected_tool_call', false);
      return { text: answer.text, usage: answer.usage };
    } catch (err) {
      const e = err instanceof ModelCallError ? err : new ModelCallError('unknown_error', false);
      this.deps.logger.warn({ code: e.code, status: e.status }, 'chat api: model call failed');
      if (e.code === 'aborted')
        throw new ChatApiError(499, 'client_closed', 'client_closed', 'The client closed the request.');
      throw new ChatApiError(
        e.retryable ? 503 : 502,
        'api_error',
        e.retryable ? 'model_provider_unavailable' : 'model_provider_error',
        `The model provider did not answer (${e.code}).`,
      );
    }
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
