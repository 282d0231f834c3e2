import { randomBytes } from 'node:crypto';
import { leaks, recordFigureSection } from '@enclave/sandbox';
import { configureChatApi, newChatApiKey } from '../chat-api/chat-api-fixture';
import { createLogger } from '../logging/logger';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from '../testing/node-fixture';
import { OPENAI_TEST_KEY, waitFor } from '../testing/node-harness';
import { REPLY_TEXT } from './replies';

/**
 * Worst-case echoes on the node: the model provider answers errors that quote the full API key
 * and the end user's message, and the Telegram Bot API fails sends with the bot token in the
 * URL (an API description, or the HTTP client's own network error naming the request URL).
 * None of it may reach the node's logs, its heartbeat, its stored job outcomes or events, or
 * what it answers Telegram; the end user still gets an answer (or the message is marked failed).
 */
describe('node error hygiene: provider and Telegram errors that echo the key, the token and the text', () => {
  const logLines: string[] = [];
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  const faults: Record<string, number> = {};

  beforeAll(async () => {
    // Every line the node logs, at the most verbose level, is kept for the scan.
    const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
    f = await startNodeFixture({}, { logger });
    ch = await configureNode(f);
  });
  afterAll(() => f.close());

  const sent = async (chatId: number) =>
    (
      (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages as {
        text: string;
        chat: { id: number };
      }[]
    ).filter((m) => m.chat.id === chatId);
  const lastOutbound = (chatId: number) =>
    f.app.internals.db
      .prepare(
        "SELECT m.kind, m.text, m.delivery_status AS delivery FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.external_chat_id = ? AND m.direction = 'out' ORDER BY m.id DESC LIMIT 1",
      )
      .get(String(chatId)) as { kind: string; text: string; delivery: string } | undefined;
  /** The model fails the next `count` calls with an error quoting the key and the user's text. */
  const modelEchoes = async (count: number, text: string) => {
    faults.modelErrors = (faults.modelErrors ?? 0) + count;
    await f.sandboxJson('POST', '/openai/_test/faults', {
      failNext: count,
      failStatus: 500,
      failMessage: `Upstream rejected request (Authorization: Bearer ${OPENAI_TEST_KEY}) with messages[1].content="${text}"`,
    });
  };
  const telegramFails = async (count: number, failure: { drop: true } | { description: string }) => {
    faults.telegramSendErrors = (faults.telegramSendErrors ?? 0) + count;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/send-failures`, { count, ...failure });
  };
  const userSays = (chatId: number, text: string) =>
    f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId, text });

  it('retries through echoed provider and network errors and answers the user; nothing echoed leaks', async () => {
    const said = `my IBAN is DE89 3704 0044 0532 0130 00 ${randomBytes(6).toString('hex')}`;
    await modelEchoes(2, said);
    await telegramFails(1, { drop: true }); // grammY's network error names the URL, token included
    await userSays(4101, said);
    const [reply] = await waitFor(async () => ((await sent(4101)).length === 1 ? sent(4101) : undefined));
    expect(reply.text).toContain(`You said: "${said}"`);
    expect(lastOutbound(4101)).toMatchObject({ kind: 'text', delivery: 'sent' });
    await scan([said], 'answered');
  });

  it('ends in the fallback and a failed delivery when every attempt echoes; nothing echoed leaks', async () => {
    const said = `my password is hunter2-${randomBytes(6).toString('hex')}`;
    await modelEchoes(3, said); // test nodes try the model 3 times, then send the fallback
    await telegramFails(3, {
      // Telegram-like description from a proxy quoting the request it failed (test nodes send 3 times).
      description: `Internal Server Error: POST https://api.telegram.org/bot${ch.telegramToken}/sendMessage text="${REPLY_TEXT.fallback}" in reply to "${said}"`,
    });
    await userSays(4102, said);
    const failed = await waitFor(() => (lastOutbound(4102)?.delivery === 'failed' ? lastOutbound(4102) : undefined));
    // The fallback (never the provider's error text) was stored and its delivery marked failed.
    expect(failed).toMatchObject({ kind: 'fallback', text: REPLY_TEXT.fallback });
    expect(await sent(4102)).toEqual([]);
    await scan([said], 'failed');
  });

  it('answers a chat API client with an error that echoes neither the key nor the prompt', async () => {
    const key = { id: 'api-hygiene', agentId: 'agent-openai' as const, key: newChatApiKey() };
    await configureChatApi(f, [{ ...key, api: { history: false, limits: { requestsPerMinute: 600 } } }], 2);
    const prompt = `summarise my diagnosis: ${randomBytes(6).toString('hex')}`;
    await modelEchoes(1, prompt);
    const res = await fetch(`${f.nodeUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent-openai', messages: [{ role: 'user', content: prompt }] }),
    });
    expect(res.status).toBe(503);
    const answer = await res.text();
    expect(JSON.parse(answer)).toMatchObject({ error: { code: 'model_provider_unavailable' } });
    await scan([prompt], 'chat API', { 'chat API error answer': answer });
  });

  /** Scans every place the node writes what happened, for the key, the bot token and the texts. */
  async function scan(texts: string[], scenario: string, answers: Record<string, string> = {}): Promise<void> {
    expect(await f.app.internals.heartbeat.beat()).toBe(true);
    const rows = (sql: string) => JSON.stringify(f.app.internals.db.prepare(sql).all());
    const haystacks: Record<string, string> = {
      'node log': logLines.join(''),
      'heartbeats sent to the control plane': JSON.stringify(f.cp.heartbeats),
      'reply_jobs (outcomes)': rows('SELECT * FROM reply_jobs'),
      inbox_events: rows('SELECT * FROM inbox_events'),
      control_plane_outbox: rows('SELECT * FROM control_plane_outbox'),
      'webhook answers to Telegram': JSON.stringify(
        await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/deliveries`),
      ),
      ...answers,
    };
    // Non-vacuous: the failures were logged (by code) and reported (as counts).
    expect(haystacks['node log']).toMatch(/model call failed/);
    const hits = leaks([OPENAI_TEST_KEY, ch.telegramToken, ...texts], haystacks);
    recordFigureSection('hygiene', `node (${scenario})`, {
      faultsInjected: { ...faults },
      needles: 2 + texts.length,
      placesChecked: Object.keys(haystacks),
      logLines: logLines.length,
      hits,
    });
    expect(hits).toEqual([]);
  }
});
