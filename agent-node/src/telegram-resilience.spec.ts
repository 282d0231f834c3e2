import type { ErrorBody } from '@enclave/node-protocol';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from './testing/node-fixture';
import { waitFor, jsonOf } from './testing/node-harness';
import { REPLY_TEXT } from './messaging/replies';
import { COUNTER } from './storage/counters.repository';

describe('Telegram webhook: authentication, duplicates, provider failures', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
  });
  afterAll(() => f.close());
  afterEach(() => f.sandboxJson('DELETE', '/openai/_test/faults'));

  const sent = async () =>
    (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as {
      text: string;
      chat: { id: number };
    }[];
  const counts = () => f.app.internals.conversations.counts();
  const post = (body: unknown, secret?: string) =>
    fetch(`${f.nodeUrl}/webhooks/telegram/tg-main`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}),
      },
      body: JSON.stringify(body),
    });
  const update = (updateId: number, text: string, chatId = 5005) => ({
    update_id: updateId,
    message: { message_id: updateId, date: 1, chat: { id: chatId, type: 'private' }, text },
  });

  it('refuses requests without the right secret token with 401 and stores nothing', async () => {
    const before = counts();
    for (const secret of [
      undefined,
      '',
      'wrong-secret',
      `${f.app.internals.config.getChannel('tg-main')?.webhookSecret}x`,
    ]) {
      const res = await post(update(1, 'hi'), secret);
      expect(res.status).toBe(401);
      expect(await jsonOf(res)).toEqual({
        error: { code: 'unauthorized', message: 'missing or wrong secret token', details: null },
      });
    }
    expect(counts()).toEqual(before);
    expect((f.app.internals.db.prepare('SELECT COUNT(*) AS n FROM inbound_events').get() as { n: number }).n).toBe(0);
  });

  it('answers bad input with a 4xx JSON error and changes nothing', async () => {
    const secret = f.app.internals.config.getChannel('tg-main')?.webhookSecret as string;
    const before = counts();
    const notJson = await fetch(`${f.nodeUrl}/webhooks/telegram/tg-main`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: '{nope',
    });
    expect(notJson.status).toBe(400);
    expect((await jsonOf<ErrorBody>(notJson)).error.code).toBe('invalid_json');
    const invalid = await post({ update_id: 'x' }, secret);
    expect(invalid.status).toBe(422);
    expect((await jsonOf<ErrorBody>(invalid)).error).toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ path: 'update_id' })],
    });
    const huge = await post(update(77, 'x'.repeat(1_100_000)), secret);
    expect(huge.status).toBe(413);
    const unknown = await post(update(78, 'x'), secret).then(() =>
      fetch(`${f.nodeUrl}/webhooks/telegram/nope`, { method: 'POST', body: '{}' }),
    );
    expect(unknown.status).toBe(404);
    const inbound = f.app.internals.db.prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'in'").get() as {
      n: number;
    };
    expect(inbound.n).toBe(1); // only the valid update 78
    expect(counts().conversations).toBe(before.conversations + 1);
  });

  it('stores and answers a duplicated update once', async () => {
    const before = (await sent()).length;
    const r = await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 6006,
      text: 'only once',
    });
    for (let i = 0; i < 3; i++) {
      const again = await f.sandboxJson(
        'POST',
        `/telegram/_test/bots/${ch.telegramToken}/updates/${r.update_id}/redeliver`,
      );
      expect(again.delivery.status).toBe(200);
    }
    await waitFor(async () => (await sent()).length === before + 1);
    await new Promise((res) => setTimeout(res, 300));
    const msgs = await sent();
    expect(msgs.length).toBe(before + 1);
    const stored = f.app.internals.db
      .prepare(
        "SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.external_chat_id = '6006'",
      )
      .get() as { n: number };
    expect(stored.n).toBe(2); // one inbound + one reply
  });

  it('retries provider 500s with backoff and then answers', async () => {
    await f.sandboxJson('POST', '/openai/_test/faults', { failNext: 2, failStatus: 500 });
    const before = (await sent()).length;
    const reqsBefore = (await f.sandboxJson('GET', '/openai/_test/requests')).requests.length;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 7007, text: 'retry me' });
    const msgs = await waitFor(async () => ((await sent()).length === before + 1 ? sent() : undefined));
    expect(msgs[before].text).toContain('You said: "retry me"');
    expect((await f.sandboxJson('GET', '/openai/_test/requests')).requests.length - reqsBefore).toBe(3);
  });

  it('after the last failed attempt (429s) sends a polite fallback and counts the error', async () => {
    const errorsBefore = f.app.internals.counters.snapshot()[COUNTER.providerErrors] ?? 0;
    await f.sandboxJson('POST', '/openai/_test/faults', { failNext: 3, failStatus: 429 });
    const before = (await sent()).length;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 8008,
      text: 'will fail',
    });
    const msgs = await waitFor(async () => ((await sent()).length === before + 1 ? sent() : undefined));
    expect(msgs[before]).toMatchObject({ chat: { id: 8008 }, text: REPLY_TEXT.fallback });
    expect(f.app.internals.counters.snapshot()[COUNTER.providerErrors]).toBe(errorsBefore + 1);
    const row = f.app.internals.db
      .prepare("SELECT kind FROM messages WHERE direction = 'out' ORDER BY id DESC LIMIT 1")
      .get() as { kind: string };
    expect(row.kind).toBe('fallback');
  });

  it('treats provider timeouts like failures: retries, then the fallback', async () => {
    await f.sandboxJson('POST', '/openai/_test/faults', { latencyMs: 2_500 }); // node timeout is 2 s
    const before = (await sent()).length;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 9009, text: 'too slow' });
    const msgs = await waitFor(async () => ((await sent()).length === before + 1 ? sent() : undefined), 15_000);
    expect(msgs[before].text).toBe(REPLY_TEXT.fallback);
  }, 20_000);

  it('keeps replies of one chat in order', async () => {
    const before = (await sent()).length;
    for (const text of ['one', 'two', 'three'])
      await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 1111, text });
    const msgs = await waitFor(async () => ((await sent()).length === before + 3 ? sent() : undefined));
    expect(msgs.slice(before).map((m) => /"(\w+)"/.exec(m.text)?.[1])).toEqual(['one', 'two', 'three']);
  });
});
