import { createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import { parseJson, validate, type RequestContext, type Route } from '../http/http-server';
import { NODE_ERROR, NodeError } from '../http/node-error';
import { safeEqual } from '../http/safe-equal';
import type { ChannelRow, ConfigRepository } from '../storage/config.repository';
import type { ConversationRepository, InboundMessage } from '../storage/conversation.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { SecretRepository } from '../storage/secret.repository';
import type { InboundStore } from './inbound-store';
import { WINDOW_CLOSED_ERROR } from './whatsapp-window';

export interface WebhookDeps {
  readonly config: ConfigRepository;
  readonly secrets: SecretRepository;
  readonly conversations: ConversationRepository;
  readonly counters: CountersRepository;
  readonly inbound: InboundStore;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function channelOf(deps: WebhookDeps, ctx: RequestContext, type: 'telegram' | 'whatsapp'): ChannelRow {
  const channel = deps.config.getChannel(ctx.params.channelId);
  if (!channel || channel.type !== type) throw new NodeError(NODE_ERROR.notFound, 'no such channel');
  return channel;
}

const telegramUpdateSchema = z.looseObject({
  update_id: z.int().check(z.nonnegative()),
  message: z.optional(
    z.looseObject({
      message_id: z.int(),
      date: z.optional(z.int()),
      chat: z.looseObject({ id: z.int() }),
      from: z.optional(
        z.looseObject({
          first_name: z.optional(z.string()),
          last_name: z.optional(z.string()),
          username: z.optional(z.string()),
          language_code: z.optional(z.string()),
        }),
      ),
      text: z.optional(z.string()),
    }),
  ),
});

const whatsappPayloadSchema = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      changes: z.array(
        z.looseObject({
          field: z.optional(z.string()),
          value: z.looseObject({
            metadata: z.optional(z.looseObject({ phone_number_id: z.string() })),
            contacts: z.optional(
              z.array(
                z.looseObject({
                  wa_id: z.optional(z.string()),
                  profile: z.optional(z.looseObject({ name: z.optional(z.string()) })),
                }),
              ),
            ),
            messages: z.optional(
              z.array(
                z.looseObject({
                  id: z.string().check(z.minLength(1)),
                  from: z.string().check(z.minLength(1)),
                  timestamp: z.optional(z.string()),
                  type: z.string(),
                  text: z.optional(z.looseObject({ body: z.string() })),
                }),
              ),
            ),
            statuses: z.optional(
              z.array(
                z.looseObject({
                  id: z.string().check(z.minLength(1)),
                  status: z.string().check(z.minLength(1)),
                  timestamp: z.optional(z.string()),
                  errors: z.optional(z.array(z.looseObject({ code: z.optional(z.number()) }))),
                }),
              ),
            ),
          }),
        }),
      ),
    }),
  ),
});

const WEBHOOK_INVALID = 'unexpected webhook payload';

/** A provider's unix-seconds timestamp in epoch ms, never after `now` (a fast provider clock cannot stretch the window). */
function providerTime(seconds: number | string | undefined, now: number): number {
  const s = typeof seconds === 'string' && /^\d{1,12}$/.test(seconds) ? Number(seconds) : seconds;
  return typeof s === 'number' && Number.isSafeInteger(s) && s >= 0 ? Math.min(s * 1000, now) : now;
}

/** Telegram and WhatsApp webhooks: authenticated first (before parsing), de-duplicated, stored. */
export function webhookRoutes(deps: WebhookDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/webhooks/telegram/:channelId',
      handler: (ctx) => {
        const channel = channelOf(deps, ctx, 'telegram');
        const given = header(ctx, 'x-telegram-bot-api-secret-token');
        if (!channel.webhookSecret || !given || !safeEqual(given, channel.webhookSecret)) {
          throw new NodeError(NODE_ERROR.unauthorized, 'missing or wrong secret token');
        }
        const update = validate(telegramUpdateSchema, parseJson(ctx), WEBHOOK_INVALID);
        const now = Date.now();
        const msg = update.message;
        if (!msg) {
          // Not a message (we only subscribe to messages): remember the id, answer 200.
          deps.conversations.recordEvent(channel.id, `u:${update.update_id}`, now);
          return { status: 200, json: { ok: true } };
        }
        const stored = deps.inbound.store(channel, [
          {
            channelId: channel.id,
            eventKey: `u:${update.update_id}`,
            externalChatId: String(msg.chat.id),
            externalMessageId: String(msg.message_id),
            kind: typeof msg.text === 'string' && msg.text.length > 0 ? 'text' : 'unsupported',
            text: typeof msg.text === 'string' && msg.text.length > 0 ? msg.text : null,
            receivedAt: now,
            sentAt: providerTime(msg.date, now),
            contact: {
              name: [msg.from?.first_name, msg.from?.last_name].filter(Boolean).join(' ').slice(0, 200) || null,
              handle: msg.from?.username ? `@${msg.from.username.slice(0, 64)}` : null,
              language: msg.from?.language_code?.slice(0, 35) ?? null,
            },
          },
        ]);
        return { status: 200, json: { ok: true, duplicate: stored === 0 } };
      },
    },
    {
      method: 'GET',
      path: '/webhooks/whatsapp/:channelId',
      handler: (ctx) => {
        const channel = channelOf(deps, ctx, 'whatsapp');
        const q = ctx.url.searchParams;
        const mode = q.get('hub.mode');
        const token = q.get('hub.verify_token');
        const challenge = q.get('hub.challenge');
        if (mode !== 'subscribe' || !token || !challenge)
          throw new NodeError(
            NODE_ERROR.badRequest,
            'hub.mode=subscribe, hub.verify_token and hub.challenge are required',
          );
        if (!channel.settings.verifyToken || !safeEqual(token, channel.settings.verifyToken))
          throw new NodeError(NODE_ERROR.forbidden, 'verify token does not match');
        return { status: 200, text: challenge };
      },
    },
    {
      method: 'POST',
      path: '/webhooks/whatsapp/:channelId',
      handler: (ctx) => {
        const channel = channelOf(deps, ctx, 'whatsapp');
        // Signature first, on the raw bytes, before anything is parsed.
        const appSecret = deps.secrets.resolve('whatsapp_app_secret', channel.id);
        const given = header(ctx, 'x-hub-signature-256') ?? '';
        if (!appSecret) throw new NodeError(NODE_ERROR.unauthorized, 'channel has no app secret yet; cannot verify');
        const expected = `sha256=${createHmac('sha256', appSecret).update(ctx.body).digest('hex')}`;
        if (!safeEqual(given, expected))
          throw new NodeError(NODE_ERROR.unauthorized, 'missing or wrong X-Hub-Signature-256');
        const payload = validate(whatsappPayloadSchema, parseJson(ctx), WEBHOOK_INVALID);
        if (payload.object !== 'whatsapp_business_account') return { status: 200, json: { ok: true } };
        const now = Date.now();
        const inbound: InboundMessage[] = [];
        for (const entry of payload.entry) {
          for (const change of entry.changes) {
            const v = change.value;
            if (
              v.metadata?.phone_number_id &&
              channel.settings.phoneNumberId &&
              v.metadata.phone_number_id !== channel.settings.phoneNumberId
            )
              continue;
            for (const m of v.messages ?? []) {
              const isText = m.type === 'text' && !!m.text?.body;
              const profile = v.contacts?.find((c) => c.wa_id === m.from)?.profile;
              inbound.push({
                channelId: channel.id,
                eventKey: `m:${m.id}`,
                externalChatId: m.from,
                externalMessageId: m.id,
                kind: isText ? 'text' : 'unsupported',
                text: isText ? (m.text?.body ?? null) : null,
                receivedAt: now,
                // WhatsApp's 24-hour window runs from when the user wrote, not from when we heard of it.
                sentAt: providerTime(m.timestamp, now),
                contact: { name: profile?.name?.slice(0, 200) || null, handle: `+${m.from}`, language: null },
              });
            }
            for (const s of v.statuses ?? []) {
              const at = providerTime(s.timestamp, now);
              const errorCode = s.errors?.[0]?.code;
              // A 131047 failure reported later by callback: the window was closed, not a delivery fault.
              const windowClosed = s.status === 'failed' && errorCode === WINDOW_CLOSED_ERROR;
              const fresh = deps.conversations.recordDeliveryStatus(
                channel.id,
                s.id,
                s.status,
                at,
                errorCode !== undefined ? String(errorCode) : null,
                windowClosed ? 'window_closed' : s.status,
              );
              // Counted once, however often Meta repeats the callback.
              if (fresh && windowClosed) deps.counters.increment(COUNTER.windowClosed('whatsapp'));
              else if (fresh && s.status === 'failed') deps.counters.increment(COUNTER.failures('whatsapp'));
            }
          }
        }
        deps.inbound.store(channel, inbound);
        return { status: 200, json: { ok: true } };
      },
    },
  ];
}
