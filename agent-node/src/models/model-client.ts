import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { ModelProvider } from '@enclave/node-protocol';
import { HttpClientError, requestJson } from '../http/http-client';
import { streamAnthropic, streamOpenAi, type StreamedCompletion } from './model-streaming';

/** API version header for the plain-HTTP model list call. */
const ANTHROPIC_API_VERSION = '2023-06-01';

export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface CompletionRequest {
  readonly provider: ModelProvider;
  readonly model: string;
  readonly apiKey: string;
  readonly system: string;
  readonly turns: readonly ChatTurn[];
  /** When present the provider's streaming API is used and each text fragment is passed here, in order. */
  readonly onDelta?: (text: string) => void;
  /** Aborts the provider call (a client that went away); the call then fails with code `aborted`. */
  readonly signal?: AbortSignal;
  /** Offer the handoff_to_human tool (default true); a call of it, streamed or not, yields `{handoff: true}`. */
  readonly handoffTool?: boolean;
}

/** Tokens the provider reports for one completion. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * The tool every completion offers: the model calls it to hand the conversation to people
 * (the end user wants a person, or the model cannot help). The same for both providers.
 */
export const HANDOFF_TOOL = {
  name: 'handoff_to_human',
  description:
    'Hand this conversation to a human member of the team. Use it when the user asks for a person, or when you cannot help with their request.',
  parameters: {
    type: 'object' as const,
    properties: { reason: { type: 'string', description: 'Why a person should take over, in a few words' } },
  },
};

/** What the model answered: text for the end user, or a request to hand over to people. */
export type ModelAnswer =
  { readonly text: string; readonly handoff?: undefined; readonly usage?: TokenUsage } | { readonly handoff: true };

/** A provider call failed. `retryable` for timeouts, connection errors, 429 and 5xx. */
export class ModelCallError extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(`model call failed: ${code}`);
    this.name = 'ModelCallError';
  }
}

export interface ModelClientOptions {
  readonly openaiBaseUrl?: string;
  readonly anthropicBaseUrl?: string;
  readonly timeoutMs: number;
  readonly maxOutputTokens: number;
}

export interface ModelClient {
  complete(req: CompletionRequest): Promise<ModelAnswer>;
  /** Cheap reachability + credential check (lists models). */
  check(provider: ModelProvider, apiKey: string): Promise<void>;
}

function classify(err: unknown): ModelCallError {
  const e = err as { status?: number; name?: string; constructor?: { name?: string } };
  const name = e?.constructor?.name ?? e?.name ?? 'Error';
  if (/Abort/i.test(name)) return new ModelCallError('aborted', false);
  if (/Timeout/i.test(name)) return new ModelCallError('timeout', true);
  if (/APIConnection/i.test(name)) return new ModelCallError('connection_error', true);
  if (typeof e?.status === 'number') {
    const s = e.status;
    return new ModelCallError(`http_${s}`, s === 408 || s === 409 || s === 429 || s >= 500, s);
  }
  return new ModelCallError('unknown_error', false);
}

/**
 * Calls OpenAI / Anthropic through their official SDKs. SDK-level retries are off: the
 * reply worker owns the retry/backoff policy so it can count failures and fall back.
 * The SDKs are loaded lazily, which keeps the node's start-up time and idle memory low.
 */
export class SdkModelClient implements ModelClient {
  private readonly openaiClients = new Map<string, OpenAI>();
  private readonly anthropicClients = new Map<string, Anthropic>();

  constructor(private readonly options: ModelClientOptions) {}

  private openai(apiKey: string): OpenAI {
    let client = this.openaiClients.get(apiKey);
    if (!client) {
      const { default: OpenAIClient } = require('openai') as typeof import('openai');
      // openaiBaseUrl is as the SDK takes it, version included (https://api.openai.com/v1).
      client = new OpenAIClient({
        apiKey,
        baseURL: this.options.openaiBaseUrl,
        timeout: this.options.timeoutMs,
        maxRetries: 0,
      });
      this.openaiClients.clear(); // keys rotate; keep only the current one
      this.openaiClients.set(apiKey, client);
    }
    return client;
  }

  private anthropic(apiKey: string): Anthropic {
    let client = this.anthropicClients.get(apiKey);
    if (!client) {
      const { default: AnthropicClient } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
      client = new AnthropicClient({
        apiKey,
        baseURL: this.options.anthropicBaseUrl,
        timeout: this.options.timeoutMs,
        maxRetries: 0,
      });
      this.anthropicClients.clear();
      this.anthropicClients.set(apiKey, client);
    }
    return client;
  }

  async complete(req: CompletionRequest): Promise<ModelAnswer> {
    const offerHandoff = req.handoffTool !== false;
    const { signal, onDelta } = req;
    try {
      if (req.provider === 'openai') {
        const params = {
          model: req.model,
          messages: [
            { role: 'system' as const, content: req.system },
            ...req.turns.map((t) => ({ role: t.role, content: t.content })),
          ],
          max_completion_tokens: this.options.maxOutputTokens,
          ...(offerHandoff ? { tools: [{ type: 'function' as const, function: HANDOFF_TOOL }] } : {}),
        };
        const client = this.openai(req.apiKey);
        if (onDelta) return streamed(await streamOpenAi(client, params, HANDOFF_TOOL.name, onDelta, signal), signal);
        const res = await client.chat.completions.create(params, { signal });
        const message = res.choices[0]?.message;
        if (message?.tool_calls?.some((c) => c.type === 'function' && c.function.name === HANDOFF_TOOL.name)) {
          return { handoff: true };
        }
        const usage = res.usage && { inputTokens: res.usage.prompt_tokens, outputTokens: res.usage.completion_tokens };
        return answer(message?.content, usage);
      }
      const params = {
        model: req.model,
        max_tokens: this.options.maxOutputTokens,
        system: req.system || undefined,
        messages: anthropicTurns(req.turns),
        ...(offerHandoff
          ? {
              tools: [
                {
                  name: HANDOFF_TOOL.name,
                  description: HANDOFF_TOOL.description,
                  input_schema: HANDOFF_TOOL.parameters,
                },
              ],
            }
          : {}),
      };
      const client = this.anthropic(req.apiKey);
      if (onDelta) return streamed(await streamAnthropic(client, params, HANDOFF_TOOL.name, onDelta, signal), signal);
      const res = await client.messages.create(params, { signal });
      if (res.content.some((b) => b.type === 'tool_use' && b.name === HANDOFF_TOOL.name)) return { handoff: true };
      const text = res.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      return answer(text, { inputTokens: res.usage.input_tokens, outputTokens: res.usage.output_tokens });
    } catch (err) {
      if (signal?.aborted) throw new ModelCallError('aborted', false);
      throw err instanceof ModelCallError ? err : classify(err);
    }
  }

  /**
   * Lists models with a plain HTTP call (same endpoint and auth as the SDKs) so that health
   * checks of an idle node do not load the SDKs.
   */
  async check(provider: ModelProvider, apiKey: string): Promise<void> {
    const url =
      provider === 'openai'
        ? `${this.options.openaiBaseUrl ?? 'https://api.openai.com/v1'}/models`
        : `${this.options.anthropicBaseUrl ?? 'https://api.anthropic.com'}/v1/models`;
    const headers: Record<string, string> =
      provider === 'openai'
        ? { authorization: `Bearer ${apiKey}` }
        : { 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_API_VERSION };
    let status: number;
    try {
      status = (await requestJson({ method: 'GET', url, headers, timeoutMs: Math.min(this.options.timeoutMs, 10_000) }))
        .status;
    } catch (err) {
      throw new ModelCallError(
        err instanceof HttpClientError && err.code === 'timeout' ? 'timeout' : 'connection_error',
        true,
      );
    }
    if (status < 200 || status >= 300)
      throw new ModelCallError(`http_${status}`, status === 429 || status >= 500, status);
  }
}

function answer(text: string | null | undefined, usage: TokenUsage | undefined): ModelAnswer {
  const trimmed = text?.trim();
  if (!trimmed) throw new ModelCallError('empty_completion', true);
  return usage ? { text: trimmed, usage } : { text: trimmed };
}

/** The SDKs end an aborted stream quietly: what arrived before the abort is not an answer. */
function streamed(completion: StreamedCompletion, signal: AbortSignal | undefined): ModelAnswer {
  if (signal?.aborted) throw new ModelCallError('aborted', false);
  return completion.handoff ? { handoff: true } : answer(completion.text, completion.usage);
}

/** Anthropic wants alternating turns starting with the user: merge runs, drop a leading assistant. */
export function anthropicTurns(turns: readonly ChatTurn[]): { role: 'user' | 'assistant'; content: string }[] {
  const out: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const t of turns) {
    if (out.length === 0 && t.role === 'assistant') continue;
    const last = out[out.length - 1];
    if (last && last.role === t.role) last.content = `${last.content}\n\n${t.content}`;
    else out.push({ role: t.role, content: t.content });
  }
  return out;
}
