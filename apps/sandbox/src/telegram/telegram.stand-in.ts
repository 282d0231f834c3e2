import express, { type Request, type Response, Router } from 'express';
import type { OutboundFetch } from '../edge/cloudflare-edge';
import type { StandIn } from '../sandbox';

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
 * read what a bot sent, revoke a token, tune retry delays.
 */
export const TELEGRAM_TOKEN_SHAPE = /^\d+:[A-Za-z0-9_-]{30,}$/;

interface Chat {
  id: number;
  type: 'private';
  first_name: string;
  username?: string;
}

interface Webhook {
  url: string;
  secretToken?: string;
  allowedUpdates: string[];
  maxConnections: number;
}

interface Delivery {
  updateId: number;
  attempt: number;
  status: number | 'network_error';
  at: string;
}

interface BotState {
  readonly token: string;
  readonly id: number;
  webhook?: Webhook;
  pending: Map<number, Record<string, unknown>>;
  updates: Map<number, Record<string, unknown>>;
  sent: Record<string, unknown>[];
  chatActions: { chat_id: unknown; action: string }[];
  deliveries: Delivery[];
  chats: Map<number, Chat>;
  nextMessageId: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

const WEBHOOK_SECRET_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

/** `outbound` delivers webhooks (the sandbox passes its Cloudflare edge so node hostnames resolve). */
export function createTelegramStandIn(outbound: OutboundFetch = fetch): StandIn {
  const bots = new Map<string, BotState>();
  const revoked = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let nextUpdateId = 100_000;
  let retryDelaysMs = [100, 300, 1_000, 3_000, 10_000];

  const bot = (token: string): BotState => {
    let b = bots.get(token);
    if (!b) {
      b = {
        token,
        id: Number(token.split(':')[0]),
        pending: new Map(),
        updates: new Map(),
        sent: [],
        chatActions: [],
        deliveries: [],
        chats: new Map(),
        nextMessageId: 1,
      };
      bots.set(token, b);
    }
    return b;
  };

  const ok = (res: Response, result: unknown) => res.json({ ok: true, result });
  const fail = (res: Response, code: number, description: string, parameters?: Record<string, unknown>) =>
    res.status(code).json({ ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

  const botUser = (b: BotState) => ({
    id: b.id,
    is_bot: true,
    first_name: 'Sandbox Bot',
    username: `sandbox_${b.id}_bot`,
  });

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  async function deliver(b: BotState, updateId: number, attempt: number): Promise<Delivery | undefined> {
    const update = b.updates.get(updateId);
    const hook = b.webhook;
    if (!update || !hook) return undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (hook.secretToken) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secretToken;
    let status: Delivery['status'];
    try {
      const res = await outbound(hook.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = 'network_error';
    }
    const d: Delivery = { updateId, attempt, status, at: new Date().toISOString() };
    b.deliveries.push(d);
    if (typeof status === 'number' && status >= 200 && status < 300) {
      b.pending.delete(updateId);
      return d;
    }
    b.lastErrorDate = Math.floor(Date.now() / 1000);
    b.lastErrorMessage =
      status === 'network_error' ? 'Connection refused' : `Wrong response from the webhook: ${status}`;
    if (attempt < retryDelaysMs.length && b.webhook === hook) {
      later(retryDelaysMs[attempt], () => void deliver(b, updateId, attempt + 1));
    } else {
      b.pending.delete(updateId); // Telegram gives up "after a reasonable amount of attempts"
    }
    return d;
  }

  function params(req: Request): Record<string, unknown> {
    return { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown> | undefined) ?? {}) };
  }

  function botApi(req: Request, res: Response) {
    const raw = String(req.params.botPath ?? '');
    if (!raw.startsWith('bot')) return fail(res, 404, 'Not Found');
    const token = raw.slice(3);
    if (!TELEGRAM_TOKEN_SHAPE.test(token) || revoked.has(token)) return fail(res, 401, 'Unauthorized');
    const b = bot(token);
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
        for (const id of [...b.pending.keys()]) void deliver(b, id, 0);
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
  }

  const router = () => {
    const r = Router();
    r.use(express.json({ limit: '1mb' }));
    r.use(express.urlencoded({ extended: false }));

    r.post('/_test/config', (req, res) => {
      const delays = (req.body as { retryDelaysMs?: unknown }).retryDelaysMs;
      if (!Array.isArray(delays) || !delays.every((d) => Number.isInteger(d) && d >= 0))
        return res.status(400).json({ error: 'retryDelaysMs: array of ms' });
      retryDelaysMs = delays as number[];
      return res.json({ retryDelaysMs });
    });
    r.post('/_test/bots/:token/revoke', (req, res) => {
      revoked.add(req.params.token);
      res.json({ revoked: true });
    });
    r.post('/_test/bots/:token/updates', async (req, res) => {
      const token = req.params.token;
      if (!TELEGRAM_TOKEN_SHAPE.test(token)) return res.status(400).json({ error: 'not a Telegram token shape' });
      const b = bot(token);
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
      const updateId = Number.isInteger(body.updateId) ? (body.updateId as number) : nextUpdateId++;
      const message: Record<string, unknown> = {
        message_id: b.nextMessageId++,
        from: { id: chatId, is_bot: false, first_name: chat.first_name, language_code: 'en' },
        chat,
        date: Math.floor(Date.now() / 1000),
      };
      const kind = body.kind ?? 'text';
      if (kind === 'text') message.text = body.text ?? 'hello';
      else if (kind === 'photo')
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
      const delivery = await deliver(b, updateId, 0);
      return res.status(201).json({ update_id: updateId, update, delivery: delivery ?? null });
    });
    r.post('/_test/bots/:token/updates/:updateId/redeliver', async (req, res) => {
      const b = bots.get(req.params.token);
      const id = Number(req.params.updateId);
      if (!b || !b.updates.has(id)) return res.status(404).json({ error: 'unknown update' });
      const delivery = await deliver(b, id, retryDelaysMs.length); // a single extra attempt
      return res.json({ delivery: delivery ?? null });
    });
    r.get('/_test/bots/:token/sent', (req, res) => res.json({ messages: bots.get(req.params.token)?.sent ?? [] }));
    r.get('/_test/bots/:token/deliveries', (req, res) =>
      res.json({ deliveries: bots.get(req.params.token)?.deliveries ?? [] }),
    );
    r.get('/_test/bots/:token/webhook', (req, res) => {
      const hook = bots.get(req.params.token)?.webhook;
      res.json({
        webhook: hook
          ? { url: hook.url, secretToken: hook.secretToken ?? null, allowedUpdates: hook.allowedUpdates }
          : null,
      });
    });

    r.all('/:botPath/:method', botApi);
    return r;
  };

  return {
    prefix: '/telegram',
    router,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
