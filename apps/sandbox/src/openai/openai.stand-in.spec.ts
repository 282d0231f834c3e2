import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startSandbox, type RunningSandbox } from '../sandbox';
import { createOpenAiStandIn } from './openai.stand-in';
import { createAnthropicStandIn } from '../anthropic/anthropic.stand-in';

describe('OpenAI and Anthropic stand-ins (through the official SDKs)', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox([createOpenAiStandIn(), createAnthropicStandIn()], 0);
  });
  afterAll(() => sandbox.close());

  const openai = (apiKey = 'sk-test-0123456789abcdefghijkl') =>
    new OpenAI({ apiKey, baseURL: `${sandbox.url}/openai/v1`, maxRetries: 0 });
  const anthropic = (apiKey = 'sk-ant-test-0123456789abcdefghijkl') =>
    new Anthropic({ apiKey, baseURL: `${sandbox.url}/anthropic`, maxRetries: 0 });
  const faults = (provider: string, body: unknown) =>
    fetch(`${sandbox.url}/${provider}/_test/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('OpenAI: models, deterministic chat completions, auth and error shapes', async () => {
    const models = await openai().models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
    const res = await openai().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'ping' },
      ],
    });
    expect(res.choices[0].message.content).toBe('[gpt-4o-mini] You said: "ping" (1 messages in context)');
    expect(res.object).toBe('chat.completion');
    await expect(openai('bad').models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(
      openai().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await faults('openai', { failNext: 1, failStatus: 429 });
    const err = await openai()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({
      type: 'requests',
      code: 'rate_limit_exceeded',
    });
    await faults('openai', { failNext: 1, failStatus: 500 });
    await expect(
      openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('Anthropic: models, deterministic messages, auth, version header and error shapes', async () => {
    const models = await anthropic().models.list();
    expect(models.data.map((m) => m.id)).toContain('claude-haiku-4-5');
    const msg = await anthropic().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      system: 'be kind',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: '(claude-haiku-4-5) Echo: hello [1 turns]' }]);
    await expect(anthropic('bad').models.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const raw = await fetch(`${sandbox.url}/anthropic/v1/models`, {
      headers: { 'x-api-key': 'sk-ant-test-0123456789abcdefghijkl' },
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    await expect(
      anthropic().messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 5,
        messages: [{ role: 'assistant', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await faults('anthropic', { failNext: 1, failStatus: 529 });
    const err = await anthropic()
      .messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((err as { status: number }).status).toBe(529);
    expect((err as { error: unknown }).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
  it("streams in the providers' documented wire formats (OpenAI chunks ending in [DONE], Anthropic named events)", async () => {
    const oa = await fetch(`${sandbox.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test-0123456789abcdefghijkl', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'ping pong' }],
      }),
    });
    expect(oa.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const lines = (await oa.text()).split('\n\n').filter(Boolean);
    expect(lines[lines.length - 1]).toBe('data: [DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.replace(/^data: /, '')));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && 'usage' in c)).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(
      '[gpt-4o-mini] You said: "ping pong" (1 messages in context)',
    );
    expect(chunks[chunks.length - 2].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });

    const an = await fetch(`${sandbox.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': 'sk-ant-test-0123456789abcdefghijkl',
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        stream: true,
        messages: [{ role: 'user', content: 'ping' }],
      }),
    });
    const events = (await an.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => {
        const [event, data] = block.split('\n');
        const parsed = JSON.parse(data.replace(/^data: /, ''));
        expect(event).toBe(`event: ${parsed.type}`);
        return parsed;
      });
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(
      events
        .filter((e) => e.type === 'content_block_delta')
        .map((e) => e.delta.text)
        .join(''),
    ).toBe('(claude-haiku-4-5) Echo: ping [1 turns]');
    expect(events[events.length - 2]).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 10 },
    });
  });
});
