import { DEFAULT_WIDGET_SETTINGS, type WidgetSettings } from '@enclave/node-protocol';
import type { FakeControlPlane } from './fake-control-plane';

/** An OpenAI agent and a web channel with `settings` over the defaults (the node's config for widget tests). */
export async function applyWidgetConfig(
  f: { cp: FakeControlPlane; nodeUrl: string },
  revision: number,
  settings: Partial<WidgetSettings>,
): Promise<void> {
  const r = await f.cp.call(f.nodeUrl, 'PUT', '/v1/config', {
    revision,
    agents: [
      {
        id: 'agent-openai',
        name: 'Helper',
        instructions: 'You are a helpful assistant.',
        provider: 'openai',
        model: 'gpt-4o-mini',
        enabled: true,
      },
    ],
    channels: [
      {
        id: 'web-main',
        type: 'web',
        agentId: 'agent-openai',
        enabled: true,
        widget: { ...DEFAULT_WIDGET_SETTINGS, ...settings },
      },
    ],
  });
  if (r.status !== 200) throw new Error(`apply config: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Reads an SSE response until `until` holds for the parsed events (or the time is up). */
export async function readSse(
  res: Response,
  until: (events: { id?: string; event: string; data: string }[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ id?: string; event: string; data: string }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { id?: string; event: string; data: string }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (!until(events) && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const i = line.indexOf(': ');
        if (i > 0) fields[line.slice(0, i)] = line.slice(i + 2);
      }
      if (fields.data !== undefined)
        events.push({ id: fields.id, event: fields.event ?? 'message', data: fields.data });
    }
  }
  await reader.cancel().catch(() => undefined);
  return events;
}
