import express, { Router } from 'express';
import { recordNeedle } from '../at-rest-needles';
import type { OutboundFetch } from '../edge/cloudflare-edge';
import type { StandIn } from '../sandbox';
import { botApi } from './telegram-bot-api';
import { type Chat, TELEGRAM_TOKEN_SHAPE, TelegramBots } from './telegram-bots';

/**
 * Telegram Bot API stand-in (https://core.telegram.org/bots/api), served under /telegram so
 * grammY runs unchanged with `apiRoot: <sandbox>/telegram`.
 *
 * Wire format: `POST|GET /bot<token>/<method>` with parameters as query string, JSON or
 * form body; answers `{ok:true, result}` or `{ok:false, error_code, description}`.
 * Tokens are accepted when they have Telegram's shape unless revoked (then 401).
 *
 * Test controls under /telegram/_test: make an end user send an update (delivered to the
 * webhook with X-Telegram-Bot-Api-Secret-Token, retried on non-2xx like Telegram does),
 * read what a bot sent, revoke a token, tune retry delays, make the next sendMessage calls fail
 * (`POST /_test/bots/:token/send-failures` `{count, errorCode?, description?, drop?}`).
 */
/** `outbound` delivers webhooks (the sandbox passes its Cloudflare edge so node hostnames resolve). */
export function createTelegramStandIn(outbound: OutboundFetch = fetch): StandIn {
  const bots = new TelegramBots(outbound);

  const router = () => {
    const r = Router();
    r.use(express.json({ limit: '1mb' }));
    r.use(express.urlencoded({ extended: false }));

    r.post('/_test/config', (req, res) => {
      const delays = (req.body as { retryDelaysMs?: unknown }).retryDelaysMs;
      if (!Array.isArray(delays) || !delays.every((d) => Number.isInteger(d) && d >= 0))
        return res.status(400).json({ error: 'retryDelaysMs: array of ms' });
      bots.retryDelaysMs = delays as number[];
      return res.json({ retryDelaysMs: bots.retryDelaysMs });
    });
    r.post('/_test/bots/:token/revoke', (req, res) => {
      bots.revoked.add(req.params.token);
      res.json({ revoked: true });
    });
    r.post('/_test/bots/:token/send-failures', (req, res) => {
      const body = (req.body ?? {}) as { count?: unknown; errorCode?: unknown; description?: unknown; drop?: unknown };
      if (!Number.isInteger(body.count)) return res.status(400).json({ error: 'count: integer' });
      const b = bots.bot(req.params.token);
      b.sendFailures = {
        left: body.count as number,
        errorCode: Number.isInteger(body.errorCode) ? (body.errorCode as number) : 500,
        description: typeof body.description === 'string' ? body.description : 'Internal Server Error',
        drop: body.drop === true,
      };
      return res.json(b.sendFailures);
    });
    r.post('/_test/bots/:token/updates', async (req, res) => {
      const token = req.params.token;
      if (!TELEGRAM_TOKEN_SHAPE.test(token)) return res.status(400).json({ error: 'not a Telegram token shape' });
      const b = bots.bot(token);
      const body = (req.body ?? {}) as {
        chatId?: number;
        text?: string;
        kind?: 'text' | 'photo' | 'sticker';
        firstName?: string;
        updateId?: number;
      };
      const chatId = Number.isInteger(body.chatId) ? (body.chatId as number) : 424242;
      const chat: Chat = { id: chatId, type: 'private', first_name: body.firstName ?? 'Test User' };
      b.chats.set(chatId, chat);
      const updateId = Number.isInteger(body.updateId) ? (body.updateId as number) : bots.nextUpdateId();
      const message: Record<string, unknown> = {
        message_id: b.nextMessageId++,
        from: { id: chatId, is_bot: false, first_name: chat.first_name, language_code: 'en' },
        chat,
        date: Math.floor(Date.now() / 1000),
      };
      const kind = body.kind ?? 'text';
      if (kind === 'text') {
        message.text = body.text ?? 'hello';
        recordNeedle('content', body.text);
      } else if (kind === 'photo')
        message.photo = [
          { file_id: 'AgACAgQAAxkBAAIB', file_unique_id: 'AQADsb0xG', width: 90, height: 90, file_size: 1024 },
        ];
      else
        message.sticker = {
          file_id: 'CAACAgIAAxkBAAIC',
          file_unique_id: 'AgADsb0',
          type: 'regular',
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
        };
      const update = { update_id: updateId, message };
      b.updates.set(updateId, update);
      b.pending.set(updateId, update);
      const delivery = await bots.deliver(b, updateId, 0);
      return res.status(201).json({ update_id: updateId, update, delivery: delivery ?? null });
    });
    r.post('/_test/bots/:token/updates/:updateId/redeliver', async (req, res) => {
      const b = bots.known(req.params.token);
      const id = Number(req.params.updateId);
      if (!b || !b.updates.has(id)) return res.status(404).json({ error: 'unknown update' });
      const delivery = await bots.deliver(b, id, bots.retryDelaysMs.length); // a single extra attempt
      return res.json({ delivery: delivery ?? null });
    });
    r.get('/_test/bots/:token/sent', (req, res) => res.json({ messages: bots.known(req.params.token)?.sent ?? [] }));
    r.get('/_test/bots/:token/deliveries', (req, res) =>
      res.json({ deliveries: bots.known(req.params.token)?.deliveries ?? [] }),
    );
    r.get('/_test/bots/:token/webhook', (req, res) => {
      const hook = bots.known(req.params.token)?.webhook;
      res.json({
        webhook: hook
          ? { url: hook.url, secretToken: hook.secretToken ?? null, allowedUpdates: hook.allowedUpdates }
          : null,
      });
    });

    r.all('/:botPath/:method', botApi(bots));
    return r;
  };

  return {
    prefix: '/telegram',
    router,
    stop: async () => bots.timers.clear(),
  };
}
