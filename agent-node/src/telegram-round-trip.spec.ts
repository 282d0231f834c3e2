import {
  startNodeFixture,
  configureNode,
  switchProviders,
  type NodeFixture,
  type ConfiguredChannels,
} from './testing/node-fixture';
import { waitFor } from './testing/node-harness';
import { REPLY_TEXT } from './messaging/replies';

describe('Telegram round trip (grammY → sandbox → node → OpenAI SDK → sandbox)', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
  });
  afterAll(() => f.close());

  const sent = async () =>
    (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as {
      text: string;
      chat: { id: number };
    }[];

  it('registers its webhook with a secret token on its public URL', async () => {
    const { webhook } = await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/webhook`);
    expect(webhook).toMatchObject({
      url: `${f.nodeUrl}/webhooks/telegram/tg-main`,
      secretToken: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
    });
  });

  it('answers a text message through the model', async () => {
    const r = await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 1001,
      text: 'What is Enclave?',
    });
    expect(r.delivery.status).toBe(200);
    const msgs = await waitFor(async () => ((await sent()).length === 1 ? sent() : undefined));
    expect(msgs[0].chat.id).toBe(1001);
    expect(msgs[0].text).toBe('[gpt-4o-mini] You said: "What is Enclave?" (1 messages in context)');
    const reqs = (await f.sandboxJson('GET', '/openai/_test/requests')).requests;
    expect(reqs[0].messages[0]).toEqual({ role: 'system', content: 'You are a helpful assistant.' });
  });

  it('keeps the conversation history in the model context', async () => {
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 1001,
      text: 'And who runs it?',
    });
    const msgs = await waitFor(async () => ((await sent()).length === 2 ? sent() : undefined));
    expect(msgs[1].text).toBe('[gpt-4o-mini] You said: "And who runs it?" (3 messages in context)');
  });

  it('answers other message types with a short polite reply, without the model', async () => {
    const before = (await f.sandboxJson('GET', '/openai/_test/requests')).requests.length;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 2002, kind: 'sticker' });
    const msgs = await waitFor(async () => ((await sent()).length === 3 ? sent() : undefined));
    expect(msgs[2]).toMatchObject({ chat: { id: 2002 }, text: REPLY_TEXT.unsupported });
    expect((await f.sandboxJson('GET', '/openai/_test/requests')).requests.length).toBe(before);
  });

  it('answers through Anthropic when the channel is switched to the Anthropic agent', async () => {
    await switchProviders(f, ch, 'anthropic', 'anthropic', 2);
    const before = (await sent()).length;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 3003,
      text: 'via claude',
    });
    const msgs = await waitFor(async () => ((await sent()).length === before + 1 ? sent() : undefined));
    expect(msgs[before].text).toBe('(claude-haiku-4-5) Echo: via claude [1 turns]');
  });
});
