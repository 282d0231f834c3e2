import { jsonChunks, textChunks, type SseEvent } from '../model-stream';
import type { ScriptedToolCall } from '../model-tools';

export interface AnthropicStreamInput {
  readonly id: string;
  readonly model: string;
  readonly text: string;
  readonly call: (ScriptedToolCall & { readonly id: string }) | undefined;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * A streamed message as Anthropic sends it (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
 * `message_start` (empty content, input usage), one content block — `content_block_start`, a `ping`,
 * `content_block_delta`s (`text_delta`, or `input_json_delta` for a tool call), `content_block_stop` —
 * then `message_delta` (stop reason, cumulative output usage) and `message_stop`. Each is an
 * `event:` line naming the type and a `data:` line with the JSON.
 */
export function anthropicStreamEvents(input: AnthropicStreamInput): SseEvent[] {
  const ev = (data: { type: string } & Record<string, unknown>): SseEvent => ({ event: data.type, data });
  const events: SseEvent[] = [
    ev({
      type: 'message_start',
      message: {
        id: input.id,
        type: 'message',
        role: 'assistant',
        model: input.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: input.inputTokens, output_tokens: 1 },
      },
    }),
  ];
  if (input.call) {
    events.push(
      ev({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: input.call.id, name: input.call.name, input: {} },
      }),
      ev({ type: 'ping' }),
    );
    for (const part of jsonChunks(JSON.stringify(input.call.input)))
      events.push(
        ev({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: part } }),
      );
  } else {
    events.push(
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ev({ type: 'ping' }),
    );
    for (const part of textChunks(input.text))
      events.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: part } }));
  }
  events.push(
    ev({ type: 'content_block_stop', index: 0 }),
    ev({
      type: 'message_delta',
      delta: { stop_reason: input.call ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: input.outputTokens },
    }),
    ev({ type: 'message_stop' }),
  );
  return events;
}
