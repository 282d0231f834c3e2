import { createAnthropicStandIn, createOpenAiStandIn, startSandbox, type RunningSandbox } from '@enclave/sandbox';
import { ModelCallError, SdkModelClient, type CompletionRequest } from './model-client';

interface StreamState {
  readonly outcome: string;
  readonly eventsSent: number;
  readonly eventsPlanned: number;
}

/** The node's model client streaming through the official SDKs against the provider stand-ins. */
describe('model client streaming (official SDKs against the OpenAI and Anthropic stand-ins)', () => {
  let sandbox: RunningSandbox;
  let client: SdkModelClient;
  beforeAll(async () => {
    sandbox = await startSandbox([createOpenAiStandIn(), createAnthropicStandIn()], 0);
    client = new SdkModelClient({
      openaiBaseUrl: `${sandbox.url}/openai/v1`,
      anthropicBaseUrl: `${sandbox.url}/anthropic`,
      timeoutMs: 10_000,
      maxOutputTokens: 200,
    });
  });
  afterAll(() => sandbox.close());

  const sandboxJson = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as { requests: { tools: string[]; stream?: StreamState }[] };
  };
  const lastRequest = async (provider: string) => {
    const { requests } = await sandboxJson('GET', `/${provider}/_test/requests`);
    return requests[requests.length - 1];
  };
  afterEach(async () => {
    await sandboxJson('DELETE', '/openai/_test/faults');
    await sandboxJson('DELETE', '/anthropic/_test/faults');
  });

  const providers = [
    {
      provider: 'openai' as const,
      model: 'gpt-4o-mini',
      apiKey: 'sk-test-0123456789abcdefghijkl',
      expected: '[gpt-4o-mini] You said: "how are you today?" (3 messages in context)',
    },
    {
      provider: 'anthropic' as const,
      model: 'claude-haiku-4-5',
      apiKey: 'sk-ant-test-0123456789abcdefghijkl',
      expected: '(claude-haiku-4-5) Echo: how are you today? [3 turns]',
    },
  ];
  const request = (p: (typeof providers)[number], extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
    provider: p.provider,
    model: p.model,
    apiKey: p.apiKey,
    system: 'be brief',
    turns: [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'hi!' },
      { role: 'user', content: 'how are you today?' },
    ],
    ...extra,
  });

  describe.each(providers)('$provider', (p) => {
    it('streams the reply in order, in several fragments, with the usage; the plain call reports usage too', async () => {
      const deltas: string[] = [];
      const streamed = await client.complete(request(p, { onDelta: (d) => deltas.push(d) }));
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.join('').trim()).toBe(p.expected);
      expect(streamed).toEqual({
        text: p.expected,
        usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      });
      if (streamed.handoff) throw new Error('unexpected handoff');
      expect(streamed.usage!.inputTokens).toBeGreaterThan(0);
      expect(streamed.usage!.outputTokens).toBeGreaterThan(0);
      expect((await lastRequest(p.provider)).stream).toMatchObject({ outcome: 'complete' });

      const plain = await client.complete(request(p));
      expect(plain).toEqual(streamed);
      expect((await lastRequest(p.provider)).stream).toBeUndefined();
    });

    it('a streamed handoff_to_human call yields a handoff; with handoffTool false the tool is not offered', async () => {
      await sandboxJson('POST', `/${p.provider}/_test/tool-calls`, {
        name: 'handoff_to_human',
        input: { reason: 'wants a person' },
      });
      const deltas: string[] = [];
      await expect(client.complete(request(p, { onDelta: (d) => deltas.push(d) }))).resolves.toEqual({
        handoff: true,
      });
      expect(deltas).toEqual([]);
      expect((await lastRequest(p.provider)).tools).toEqual(['handoff_to_human']);

      await sandboxJson('POST', `/${p.provider}/_test/tool-calls`, { name: 'handoff_to_human' });
      const noTool = await client.complete(request(p, { onDelta: () => undefined, handoffTool: false }));
      expect(noTool).toMatchObject({ text: p.expected });
      expect((await lastRequest(p.provider)).tools).toEqual([]);
      // the queued call is still waiting for a completion that offers the tool
      await expect(client.complete(request(p))).resolves.toEqual({ handoff: true });
    });

    it('aborting mid-stream stops the provider call; the stand-in sees the client go away', async () => {
      await sandboxJson('POST', `/${p.provider}/_test/faults`, { chunkDelayMs: 150 });
      const controller = new AbortController();
      const deltas: string[] = [];
      const call = client.complete(
        request(p, {
          signal: controller.signal,
          onDelta: (d) => {
            deltas.push(d);
            controller.abort();
          },
        }),
      );
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelCallError);
      expect(err).toMatchObject({ code: 'aborted', retryable: false });
      expect(deltas).toHaveLength(1);
      let stream: StreamState | undefined;
      for (let i = 0; i < 50 && stream?.outcome !== 'client_closed'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        stream = (await lastRequest(p.provider)).stream;
      }
      expect(stream?.outcome).toBe('client_closed');
      expect(stream!.eventsSent).toBeLessThan(stream!.eventsPlanned);
    });

    it('a provider error before the stream starts is a classified ModelCallError', async () => {
      await sandboxJson('POST', `/${p.provider}/_test/faults`, { failNext: 1, failStatus: 429 });
      const err = await client.complete(request(p, { onDelta: () => undefined })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'http_429', retryable: true, status: 429 });
    });
  });
});
