import OpenAI from 'openai';
import { inboxClient } from '../testing/inbox-client';
import { readyExport } from '../testing/export-job';
import { startNodeFixture, type NodeFixture } from '../testing/node-fixture';
import { configureChatApi, newChatApiKey, sdk, type TestApiKey } from './chat-api-fixture';

/** The chat API through the official `openai` client against a running node and the provider stand-ins. */
describe('chat API: OpenAI-compatible completions on the node', () => {
  let f: NodeFixture;
  const plain: TestApiKey = {
    id: 'key-plain',
    agentId: 'agent-openai',
    key: newChatApiKey(),
    api: { history: false, limits: { requestsPerMinute: 600 } },
  };
  const remembering: TestApiKey = {
    id: 'key-history',
    agentId: 'agent-anthropic',
    key: newChatApiKey(),
    api: { history: true, limits: { requestsPerMinute: 600 } },
  };
  const tight: TestApiKey = {
    id: 'key-tight',
    agentId: 'agent-openai',
    key: newChatApiKey(),
    api: { history: false, limits: { requestsPerMinute: 60 } },
  };
  const count = (sql: string) => (f.app.internals.db.prepare(sql).get() as { n: number }).n;

  beforeAll(async () => {
    f = await startNodeFixture({ trustedProxies: ['127.0.0.1'], chatApi: { failedAuthPerMinute: 5 } });
    await configureChatApi(f, [plain, remembering, tight], 1);
  });
  afterAll(() => f.close());

  it('answers a completion and a stream; a history-off key stores nothing but counts', async () => {
    const client = sdk(f, plain.key);
    const { data, response } = await client.chat.completions
      .create({ model: 'agent-openai', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('agent-openai');
    expect(data.choices[0].message).toMatchObject({
      role: 'assistant',
      content: '[gpt-4o-mini] You said: "hello there" (1 messages in context)',
    });
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('600');
    const sent = (await f.sandboxJson('GET', '/openai/_test/requests')).requests.at(-1) as unknown as {
      messages: { role: string; content: string }[];
      tools: string[];
    };
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are a helpful assistant.' });
    expect(sent.tools).toEqual([]);

    const stream = await client.chat.completions.create({
      model: 'agent-openai',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const parts: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) parts.push(chunk.choices[0].delta.content);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.join('').trim()).toBe('[gpt-4o-mini] You said: "stream me" (1 messages in context)');
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['agent-anthropic', 'agent-openai']);
    expect(count("SELECT COUNT(*) AS n FROM conversations WHERE channel_id = 'key-plain'")).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM messages')).toBe(0);

    await f.app.internals.heartbeat.beat();
    const api = f.cp.heartbeats.at(-1)!.counters.api!;
    expect(api).toMatchObject({ requests: 2, failures: 0 });
    expect(api.tokensIn).toBeGreaterThan(0);
    expect(api.tokensOut).toBeGreaterThan(0);
    expect(api.keysLastUsed?.map((k) => k.id)).toEqual(['key-plain']);
  });

  it('a history-on key continues a stored conversation, which the inbox lists', async () => {
    const client = sdk(f, remembering.key);
    const ask = (content: string) =>
      client.chat.completions.create({
        model: 'agent-anthropic',
        messages: [{ role: 'user', content }],
        conversation_id: 'order-4711',
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const first = await ask('my name is Ada');
    expect(first.choices[0].message.content).toBe('(claude-haiku-4-5) Echo: my name is Ada [1 turns]');
    expect((first as unknown as { conversation_id: string }).conversation_id).toBe('order-4711');
    const second = await ask('what is my name?');
    expect(second.choices[0].message.content).toBe('(claude-haiku-4-5) Echo: what is my name? [3 turns]');
    const sent = (await f.sandboxJson('GET', '/anthropic/_test/requests')).requests.at(-1) as unknown as {
      messages: { content: string }[];
    };
    expect(sent.messages.map((m) => m.content)).toEqual([
      'my name is Ada',
      '(claude-haiku-4-5) Echo: my name is Ada [1 turns]',
      'what is my name?',
    ]);
    // OpenAI's `user` field names the conversation too.
    await client.chat.completions.create({
      model: 'agent-anthropic',
      messages: [{ role: 'user', content: 'hi from a user id' }],
      user: 'customer-9',
    });
    expect(
      count(
        "SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_id = 'key-history'",
      ),
    ).toBe(6);

    const inbox = inboxClient(f, f.cp.session(f.config.nodeId, 'member'));
    const listed = await inbox.json('GET', '/v1/inbox/conversations?channel=api');
    expect(listed.conversations.map((c) => c.channel.type)).toEqual(['api', 'api']);
  });

  it("refuses in OpenAI's error shape: 401 unknown or missing key, 403 another agent, 400 bad input", async () => {
    await expect(
      sdk(f, `${newChatApiKey()}`).chat.completions.create({
        model: 'agent-openai',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const noKey = await fetch(`${f.nodeUrl}/v1/models`, { headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({
      error: { message: expect.stringContaining('API key'), type: 'invalid_request_error', param: null, code: null },
    });
    const other = await sdk(f, plain.key)
      .chat.completions.create({ model: 'agent-anthropic', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((other as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_allowed');
    const unknown = await sdk(f, plain.key)
      .chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');

    const raw = (body: string) =>
      fetch(`${f.nodeUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${plain.key}`, 'content-type': 'application/json' },
        body,
      });
    for (const [body, code] of [
      ['{not json', 'invalid_json'],
      [JSON.stringify({ model: 'agent-openai', messages: [] }), 'invalid_value'],
      [JSON.stringify({ model: 'agent-openai', messages: [{ role: 'robot', content: 'x' }] }), 'invalid_value'],
      [
        JSON.stringify({ model: 'agent-openai', messages: [{ role: 'user', content: 'x'.repeat(100_001) }] }),
        'context_length_exceeded',
      ],
    ] as const) {
      const r = await raw(body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { type: string; code: string } }).error).toMatchObject({
        type: 'invalid_request_error',
        code,
      });
    }
  });

  it("429 with Retry-After once a key is over its limit; the SDK's own retry then succeeds", async () => {
    const ask = (client: OpenAI) =>
      client.chat.completions.create({ model: 'agent-openai', messages: [{ role: 'user', content: 'again' }] });
    // 60 a minute: a burst of 6, then one a second.
    for (let i = 0; i < 6; i++) await ask(sdk(f, tight.key));
    const refused = await ask(sdk(f, tight.key)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (refused as InstanceType<typeof OpenAI.APIError>).headers!;
    expect(headers.get('retry-after')).toBe('1');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const seen: number[] = [];
    const retrying = new OpenAI({
      apiKey: tight.key,
      baseURL: `${f.nodeUrl}/v1`,
      maxRetries: 2,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        seen.push(res.status);
        return res;
      },
    });
    const answered = await ask(retrying);
    expect(answered.choices[0].message.content).toContain('again');
    expect(seen).toEqual([429, 200]);
  });

  it('throttles an address after repeated failed authentication, not its neighbours', async () => {
    for (let i = 0; i < 5; i++)
      await expect(sdk(f, newChatApiKey(), { ip: '203.0.113.7' }).models.list()).rejects.toBeInstanceOf(
        OpenAI.AuthenticationError,
      );
    const throttled = await sdk(f, plain.key, { ip: '203.0.113.7' })
      .models.list()
      .catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    expect((throttled as InstanceType<typeof OpenAI.APIError>).headers!.get('retry-after')).toBeTruthy();
    await expect(sdk(f, plain.key, { ip: '203.0.113.8' }).models.list()).resolves.toBeDefined();
  });

  it('a client that goes away mid-stream stops the provider call', async () => {
    await f.sandboxJson('POST', '/openai/_test/faults', { chunkDelayMs: 150 });
    const controller = new AbortController();
    const stream = await sdk(f, plain.key).chat.completions.create(
      { model: 'agent-openai', messages: [{ role: 'user', content: 'a long answer please' }], stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    await (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) chunks++;
        if (chunks === 1) controller.abort();
      }
    })().catch(() => undefined);
    let outcome: string | undefined;
    for (let i = 0; i < 50 && outcome !== 'client_closed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const last = (await f.sandboxJson('GET', '/openai/_test/requests')).requests.at(-1) as unknown as {
        stream?: { outcome: string };
      };
      outcome = last.stream?.outcome;
    }
    expect(outcome).toBe('client_closed');
    await f.sandboxJson('DELETE', '/openai/_test/faults');
  });

  it("a history-on key's conversations follow export, erase and retention like any channel's", async () => {
    expect(await readyExport(f.cp, f.nodeUrl)).toMatchObject({ conversations: 2, messages: 6 });
    const erased = await f.cp.call<{ erased: boolean; messages: number }>(
      f.nodeUrl,
      'POST',
      '/v1/conversations/erase',
      {
        channelId: 'key-history',
        externalChatId: 'order-4711',
      },
    );
    expect(erased.body).toEqual({ erased: true, messages: 4 });
    // A retention window of one day, run a day and a minute from now: the rest goes.
    f.app.internals.retention.setDays(1);
    const purged = f.app.internals.retention.purge(new Date(Date.now() + 86_460_000));
    expect(purged).toMatchObject({ messages: 2, conversations: 1 });
    expect(count("SELECT COUNT(*) AS n FROM conversations WHERE channel_id = 'key-history'")).toBe(0);
  });

  it('a revoked key (its channel and hash gone from the node) is 401', async () => {
    await configureChatApi(f, [remembering, tight], 2);
    await expect(sdk(f, plain.key).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(sdk(f, remembering.key).models.list()).resolves.toBeDefined();
  });
});
