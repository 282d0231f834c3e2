import type { Request, Response } from 'express';
import { type BotState, TELEGRAM_TOKEN_SHAPE, type TelegramBots } from './telegram-bots';

/**
 * The Bot API methods grammY calls: `POST|GET /bot<token>/<method>` with parameters as query
 * string, JSON or form body; answers `{ok:true, result}` or `{ok:false, error_code, description}`.
 */

const WEBHOOK_SECRET_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

const ok = (res: Response, result: unknown) => res.json({ ok: true, result });
const fail = (res: Response, code: number, description: string) =>
  res.status(code).json({ ok: false, error_code: code, description });

const botUser = (b: BotState) => ({
  id: b.id,
  is_bot: true,
  first_name: 'Sandbox Bot',
  username: `sandbox_${b.id}_bot`,
});

function params(req: Request): Record<string, unknown> {
  return { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown> | undefined) ?? {}) };
}

export function botApi(bots: TelegramBots) {
  return (req: Request, res: Response) => {
    const raw = String(req.params.botPath ?? '');
    if (!raw.startsWith('bot')) return fail(res, 404, 'Not Found');
    const token = raw.slice(3);
    if (!TELEGRAM_TOKEN_SHAPE.test(token) || bots.revoked.has(token)) return fail(res, 401, 'Unauthorized');
    const b = bots.bot(token);
    const p = params(req);
    const method = String(req.params.method);
    switch (method) {
      case 'getMe':
        return ok(res, {
          ...botUser(b),
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'setWebhook': {
        const url = typeof p.url === 'string' ? p.url : '';
        if (url === '') {
          b.webhook = undefined;
          return ok(res, true);
        }
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          return fail(res, 400, 'Bad Request: bad webhook: Failed to resolve host: Name or service not known');
        }
        // Telegram demands HTTPS; the sandbox also accepts plain HTTP on loopback for tests.
        const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
        if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
          return fail(res, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        }
        if (
          p.secret_token !== undefined &&
          (typeof p.secret_token !== 'string' || !WEBHOOK_SECRET_SHAPE.test(p.secret_token))
        ) {
          return fail(res, 400, 'Bad Request: secret token contains unallowed characters');
        }
        const allowed =
          typeof p.allowed_updates === 'string'
            ? (JSON.parse(p.allowed_updates) as string[])
            : ((p.allowed_updates as string[] | undefined) ?? []);
        const max = p.max_connections !== undefined ? Number(p.max_connections) : 40;
        if (!Number.isInteger(max) || max < 1 || max > 100)
          return fail(res, 400, 'Bad Request: bad maximum connection count');
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') b.pending.clear();
        b.webhook = {
          url,
          secretToken: p.secret_token as string | undefined,
          allowedUpdates: allowed,
          maxConnections: max,
        };
        for (const id of [...b.pending.keys()]) void bots.deliver(b, id, 0);
        return res.json({ ok: true, result: true, description: 'Webhook was set' });
      }
      case 'deleteWebhook': {
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') b.pending.clear();
        const had = !!b.webhook;
        b.webhook = undefined;
        return res.json({
          ok: true,
          result: true,
          description: had ? 'Webhook was deleted' : 'Webhook is already deleted',
        });
      }
      case 'getWebhookInfo':
        return ok(res, {
          url: b.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: b.pending.size,
          ...(b.webhook
            ? { max_connections: b.webhook.maxConnections, allowed_updates: b.webhook.allowedUpdates }
            : {}),
          ...(b.lastErrorDate ? { last_error_date: b.lastErrorDate, last_error_message: b.lastErrorMessage } : {}),
        });
      case 'getUpdates':
        if (b.webhook)
          return fail(
            res,
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
          );
        return ok(res, [...b.pending.values()]);
      case 'sendMessage': {
        const failure = b.sendFailures;
        if (failure && failure.left > 0) {
          failure.left--;
          if (failure.drop) return req.socket.destroy();
          return fail(res, failure.errorCode, failure.description);
        }
        const chatId = Number(p.chat_id);
        const text = typeof p.text === 'string' ? p.text : '';
        if (p.chat_id === undefined || p.chat_id === '') return fail(res, 400, 'Bad Request: chat_id is empty');
        if (text.trim() === '') return fail(res, 400, 'Bad Request: message text is empty');
        if (text.length > 4096) return fail(res, 400, 'Bad Request: message is too long');
        const chat = b.chats.get(chatId);
        if (!chat) return fail(res, 400, 'Bad Request: chat not found');
        const message: Record<string, unknown> = {
          message_id: b.nextMessageId++,
          from: botUser(b),
          chat,
          date: Math.floor(Date.now() / 1000),
          text,
        };
        const replyTo =
          (p.reply_parameters as { message_id?: number } | undefined)?.message_id ?? p.reply_to_message_id;
        b.sent.push({ ...message, reply_to_message_id: replyTo ?? null });
        return ok(res, message);
      }
      case 'sendChatAction': {
        const chat = b.chats.get(Number(p.chat_id));
        if (!chat) return fail(res, 400, 'Bad Request: chat not found');
        if (typeof p.action !== 'string') return fail(res, 400, 'Bad Request: action is empty');
        b.chatActions.push({ chat_id: p.chat_id, action: p.action });
        return ok(res, true);
      }
      default:
        return fail(res, 404, 'Not Found');
    }
  };
}
