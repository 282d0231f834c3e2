import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { TokenUsage } from './model-client';

/** What a streamed completion came to: its text (already passed to `onDelta`), or the handoff tool call. */
export interface StreamedCompletion {
  readonly text: string;
  readonly handoff: boolean;
  readonly usage?: TokenUsage;
}

type OpenAiParams = Omit<OpenAI.Chat.ChatCompletionCreateParamsStreaming, 'stream' | 'stream_options'>;
type AnthropicParams = Omit<Anthropic.MessageCreateParamsStreaming, 'stream'>;

/**
 * OpenAI chat completion with `stream: true`: text fragments go to `onDelta` in order; usage comes
 * in the last chunk (`stream_options.include_usage`). A call of the tool named `handoffTool`
 * (its name arrives in the first tool-call fragment) makes the completion a handoff.
 */
export async function streamOpenAi(
  client: OpenAI,
  params: OpenAiParams,
  handoffTool: string,
  onDelta: (text: string) => void,
  signal: AbortSignal | undefined,
): Promise<StreamedCompletion> {
  const stream = await client.chat.completions.create(
    { ...params, stream: true, stream_options: { include_usage: true } },
    { signal },
  );
  let text = '';
  let handoff = false;
  let usage: TokenUsage | undefined;
  for await (const chunk of stream) {
    if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
    const delta = chunk.choices[0]?.delta;
    if (delta?.tool_calls?.some((c) => c.function?.name === handoffTool)) handoff = true;
    if (delta?.content) {
      text += delta.content;
      onDelta(delta.content);
    }
  }
  return { text, handoff, usage };
}

/**
 * Anthropic message with `stream: true`: `text_delta` fragments go to `onDelta` in order; input
 * tokens come with `message_start`, the cumulative output tokens with `message_delta`. A
 * `tool_use` block for `handoffTool` makes the completion a handoff.
 */
export async function streamAnthropic(
  client: Anthropic,
  params: AnthropicParams,
  handoffTool: string,
  onDelta: (text: string) => void,
  signal: AbortSignal | undefined,
): Promise<StreamedCompletion> {
  const stream = await client.messages.create({ ...params, stream: true }, { signal });
  let text = '';
  let handoff = false;
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  for await (const event of stream) {
    if (event.type === 'message_start') {
      inputTokens = event.message.usage.input_tokens;
      outputTokens = event.message.usage.output_tokens;
    } else if (event.type === 'content_block_start') {
      if (event.content_block.type === 'tool_use' && event.content_block.name === handoffTool) handoff = true;
    } else if (event.type === 'content_block_delta') {
      if (event.delta.type === 'text_delta' && event.delta.text) {
        text += event.delta.text;
        onDelta(event.delta.text);
      }
    } else if (event.type === 'message_delta') {
      outputTokens = event.usage.output_tokens;
      if (typeof event.usage.input_tokens === 'number') inputTokens = event.usage.input_tokens;
    }
  }
  const usage = inputTokens === undefined || outputTokens === undefined ? undefined : { inputTokens, outputTokens };
  return { text, handoff, usage };
}
