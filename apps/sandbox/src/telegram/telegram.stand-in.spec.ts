import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bot, GrammyError } from 'grammy';
import { startSandbox, type RunningSandbox } from '../sandbox';
import { createTelegramStandIn } from './telegram.stand-in';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('Telegram stand-in (through grammY)', () => {
  let sandbox: RunningSandbox;
  let hook: Server;
  let hookUrl: string;
  const received: { headers: Record<string, unknown>; body: { update_id: number } }[] = [];
  let answer = 200;

  beforeAll(async () => {
    sandbox = await startSandbox([createTelegramStandIn()], 0);
    hook = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(raw) });
        res.writeHead(answer);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    await fetch(`${sandbox.url}/telegram/_test/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ retryDelaysMs: [20, 20] }),
    });
  });
  afterAll(async () => {
    await sandbox.close();
    hook.closeAllConnections();
    await new Promise<void>((r) => hook.close(() => r()));
  });

  const api = (token = TOKEN) => new Bot(token, { client: { apiRoot: `${sandbox.url}/telegram` } }).api;
  // T: the fields a test reads from the answer (their values are what it asserts).
  const post = <T = unknown>(path: string, body: unknown = {}) =>
    fetch(`${sandbox.url}/telegram${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<T>);

  it('getMe answers for Telegram-shaped tokens, 401 otherwise and once revoked', async () => {
    expect(await api().getMe()).toMatchObject({ id: 123456789, is_bot: true });
    await expect(api('not-a-token').getMe()).rejects.toMatchObject({ error_code: 401, description: 'Unauthorized' });
    const other = '987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    await post(`/_test/bots/${other}/revoke`);
    const err = await api(other)
      .getMe()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(401);
  });

  it('delivers updates to the webhook with the secret token, retries non-2xx, and records sends', async () => {
    expect(await api().setWebhook(hookUrl, { secret_token: 'sekrit_123' })).toBe(true);
    expect(await api().getWebhookInfo()).toMatchObject({ url: hookUrl, pending_update_count: 0 });
    answer = 500;
    const r = await post<{
      update_id: number;
      update: { message: { message_id: number } };
      delivery: { status: number };
    }>(`/_test/bots/${TOKEN}/updates`, { chatId: 55, text: 'hello bot' });
    expect(r.delivery.status).toBe(500);
    answer = 200;
    await new Promise((res) => setTimeout(res, 200));
    const mine = received.filter((x) => x.body.update_id === r.update_id);
    expect(mine.length).toBe(2); // first attempt + one successful retry
    expect(mine[0].headers['x-telegram-bot-api-secret-token']).toBe('sekrit_123');
    const info = await api().getWebhookInfo();
    expect(info.last_error_message).toBe('Wrong response from the webhook: 500');

    const msg = await api().sendMessage(55, 'hi there', {
      reply_parameters: { message_id: r.update.message.message_id },
    });
    expect(msg).toMatchObject({ chat: { id: 55 }, text: 'hi there' });
    expect(await api().sendChatAction(55, 'typing')).toBe(true);
    const sent = (await fetch(`${sandbox.url}/telegram/_test/bots/${TOKEN}/sent`).then((x) => x.json())) as {
      messages: unknown[];
    };
    expect(sent.messages).toEqual([
      expect.objectContaining({ text: 'hi there', reply_to_message_id: r.update.message.message_id }),
    ]);
  });

  it('answers Telegram errors in the {ok:false, error_code, description} envelope', async () => {
    await expect(api().sendMessage(999, 'x')).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    await expect(api().sendMessage(55, '')).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: message text is empty',
    });
    await expect(api().setWebhook('http://example.com/hook')).rejects.toMatchObject({ error_code: 400 });
    await expect(api().getUpdates()).rejects.toMatchObject({ error_code: 409 });
    expect(await api().deleteWebhook()).toBe(true);
    expect((await api().getWebhookInfo()).url).toBe('');
    const raw = await fetch(`${sandbox.url}/telegram/bot${TOKEN}/noSuchMethod`).then((x) => x.json());
    expect(raw).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
  });
});
