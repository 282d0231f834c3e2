import { randomBytes } from 'node:crypto';
import { jsonChunks, textChunks, type SseEvent } from '../model-stream';
import type { ScriptedToolCall } from '../model-tools';

export interface OpenAiStreamInput {
  readonly id: string;
  readonly model: string;
  readonly created: number;
  readonly content: string;
  readonly call: ScriptedToolCall | undefined;
  readonly usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** `stream_options.include_usage`: every chunk carries `usage: null`, then one last chunk the usage. */
  readonly includeUsage: boolean;
}

/**
 * A streamed chat completion as OpenAI sends it
 * (https://platform.openai.com/docs/api-reference/chat-streaming): `chat.completion.chunk` objects,
 * the first with the role, then content (or tool-call argument) fragments, a chunk with the
 * `finish_reason`, the usage chunk (empty `choices`) when asked for, and `data: [DONE]`.
 */
export function openAiStreamEvents(input: OpenAiStreamInput): SseEvent[] {
  const chunk = (choices: unknown[], usage: unknown = null): SseEvent => ({
    data: {
      id: input.id,
      object: 'chat.completion.chunk',
      created: input.created,
      model: input.model,
      service_tier: 'default',
      system_fingerprint: 'fp_sandbox',
      choices,
      ...(input.includeUsage ? { usage } : {}),
    },
  });
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });
  const events: SseEvent[] = [];
  if (input.call) {
    events.push(
      chunk([
        choice({
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              index: 0,
              id: `call_${randomBytes(12).toString('base64url')}`,
              type: 'function',
              function: { name: input.call.name, arguments: '' },
            },
          ],
          refusal: null,
        }),
      ]),
    );
    for (const part of jsonChunks(JSON.stringify(input.call.input)))
      events.push(chunk([choice({ tool_calls: [{ index: 0, function: { arguments: part } }] })]));
    events.push(chunk([choice({}, 'tool_calls')]));
  } else {
    events.push(chunk([choice({ role: 'assistant', content: '', refusal: null })]));
    for (const part of textChunks(input.content)) events.push(chunk([choice({ content: part })]));
    events.push(chunk([choice({}, 'stop')]));
  }
  if (input.includeUsage) events.push(chunk([], input.usage));
  events.push({ data: '[DONE]' });
  return events;
}
