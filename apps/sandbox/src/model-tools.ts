import type { Router } from 'express';

/** A tool call a test wants the model stand-in to make next (models decide; tests script them). */
export interface ScriptedToolCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/**
 * Tool calls the stand-ins make: `POST /_test/tool-calls {name, input?}` queues one; the next
 * completion that offers a tool of that name answers with the call instead of text, in the
 * provider's documented shape. Completions without that tool are answered with text as usual.
 */
export class ToolCallScript {
  private readonly queue: ScriptedToolCall[] = [];

  mount(router: Router): void {
    router.post('/_test/tool-calls', (req, res) => {
      const body = (req.body ?? {}) as { name?: unknown; input?: unknown };
      if (typeof body.name !== 'string' || body.name.length === 0)
        return res.status(400).json({ error: 'name is required' });
      const input =
        typeof body.input === 'object' && body.input !== null ? (body.input as Record<string, unknown>) : {};
      this.queue.push({ name: body.name, input });
      return res.json({ queued: this.queue.length });
    });
  }

  /** The scripted call to make now, if its tool is among `offered` (and it is then used up). */
  take(offered: readonly string[]): ScriptedToolCall | undefined {
    const index = this.queue.findIndex((call) => offered.includes(call.name));
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }
}

/** Names of the tools a request offers: OpenAI `tools[].function.name`, Anthropic `tools[].name`. */
export function offeredToolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((t: { name?: unknown; function?: { name?: unknown } }) => t?.function?.name ?? t?.name)
    .filter((name): name is string => typeof name === 'string');
}
