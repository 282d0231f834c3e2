import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import type { Route, RequestContext } from '../http/http-server';
import { NodeError } from '../http/node-error';
import type { NodeLogger } from '../logging/logger';
import type { ChannelRow, ConfigRepository } from '../storage/config.repository';
import type { ConversationRepository, InboundMessage } from '../storage/conversation.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { SecretRepository } from '../storage/secret.repository';
import { SETTING, type SettingsRepository } from '../storage/settings.repository';

export interface WebhookRepositories {
  readonly config: ConfigRepository;
  readonly conversations: ConversationRepository;
  readonly secrets: SecretRepository;
  readonly counters: CountersRepository;
  readonly settings: SettingsRepository;
}

export interface WebhookDeps {
  /** The open repositories (throws once the node is wiped; routes check state first). */
  readonly repos: () => WebhookRepositories;
  readonly logger: NodeLogger;
  /** 'active' | 'suspended' | 'wiped' */
  readonly state: () => string;
  /** Called after an inbound message is committed (wakes the reply worker). */
  readonly onStored: () => void;
}

/** Constant-time string comparison (false on length mismatch, without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(ctx: RequestContext): unknown {
  try {
    return JSON.parse(ctx.body.toString('utf8'));
  } catch {
    throw new NodeError('invalid_json', 'body is not valid JSON');
  }
}

function channelOf(deps: WebhookDeps, ctx: RequestContext, type: 'telegram' | 'whatsapp'): ChannelRow {
  if (deps.state() === 'wiped') throw new NodeError('node_wiped', 'this node has been wiped');
  const channel = deps.repos().config.getChannel(ctx.params.channelId);
  if (!channel || channel.type !== type) throw new NodeError('not_found', 'no such channel');
  return channel;
}

const telegramUpdateSchema = z.looseObject({
  update_id: z.int().check(z.nonnegative()),
  message: z.optional(
    z.looseObject({
      message_id: z.int(),
      date: z.optional(z.int()),
      chat: z.looseObject({ id: z.int() }),
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

function validate<S extends z.ZodMiniType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new NodeError(
      'validation_failed',
      'unexpected webhook payload',
      r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  return r.data;
}

function storeAll(deps: WebhookDeps, channel: ChannelRow, messages: InboundMessage[]): number {
  const repos = deps.repos();
  const jobState = deps.state() === 'suspended' || !channel.enabled ? 'skipped' : 'pending';
  let stored = 0;
  repos.conversations.transaction(() => {
    for (const m of messages) {
      const r = repos.conversations.storeInbound(m, jobState);
      if (!r.duplicate) {
        stored++;
        repos.counters.increment(COUNTER.inbound(channel.type));
      }
    }
    if (stored > 0) repos.settings.set(SETTING.lastActivityAt, new Date().toISOString());
  });
  return stored;
}

export function webhookRoutes(deps: WebhookDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/webhooks/telegram/:channelId',
      handler: (ctx) => {
        const channel = channelOf(deps, ctx, 'telegram');
        const given = header(ctx, 'x-telegram-bot-api-secret-token');
        if (!channel.webhookSecret || !given || !safeEqual(given, channel.webhookSecret)) {
          throw new NodeError('unauthorized', 'missing or wrong secret token');
        }
        const update = validate(telegramUpdateSchema, parseJson(ctx));
        const now = Date.now();
        const msg = update.message;
        if (!msg) {
          // Not a message (we only subscribe to messages): remember the id, answer 200.
          deps.repos().conversations.recordEvent(channel.id, `u:${update.update_id}`, now);
          return { status: 200, json: { ok: true } };
        }
        const stored = storeAll(deps, channel, [
          {
            channelId: channel.id,
            eventKey: `u:${update.update_id}`,
            externalChatId: String(msg.chat.id),
            externalMessageId: String(msg.message_id),
            kind: typeof msg.text === 'string' && msg.text.length > 0 ? 'text' : 'unsupported',
            text: typeof msg.text === 'string' && msg.text.length > 0 ? msg.text : null,
            receivedAt: now,
          },
        ]);
        if (stored > 0) deps.onStored();
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
          throw new NodeError('bad_request', 'hub.mode=subscribe, hub.verify_token and hub.challenge are required');
        if (!channel.settings.verifyToken || !safeEqual(token, channel.settings.verifyToken))
          throw new NodeError('forbidden', 'verify token does not match');
        return { status: 200, text: challenge };
      },
    },
    {
      method: 'POST',
      path: '/webhooks/whatsapp/:channelId',
      handler: (ctx) => {
        const channel = channelOf(deps, ctx, 'whatsapp');
        // Signature first, on the raw bytes, before anything is parsed.
        const appSecret = deps.repos().secrets.resolve('whatsapp_app_secret', channel.id);
        const given = header(ctx, 'x-hub-signature-256') ?? '';
        if (!appSecret) throw new NodeError('unauthorized', 'channel has no app secret yet; cannot verify');
        const expected = `sha256=${createHmac('sha256', appSecret).update(ctx.body).digest('hex')}`;
        if (!safeEqual(given, expected)) throw new NodeError('unauthorized', 'missing or wrong X-Hub-Signature-256');
        const payload = validate(whatsappPayloadSchema, parseJson(ctx));
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
              inbound.push({
                channelId: channel.id,
                eventKey: `m:${m.id}`,
                externalChatId: m.from,
                externalMessageId: m.id,
                kind: isText ? 'text' : 'unsupported',
                text: isText ? (m.text?.body ?? null) : null,
                receivedAt: now,
              });
            }
            for (const s of v.statuses ?? []) {
              const at = s.timestamp && /^\d+$/.test(s.timestamp) ? Number(s.timestamp) * 1000 : now;
              deps
                .repos()
                .conversations.recordDeliveryStatus(
                  channel.id,
                  s.id,
                  s.status,
                  at,
                  s.errors?.[0]?.code !== undefined ? String(s.errors[0].code) : null,
                );
              if (s.status === 'failed') deps.repos().counters.increment(COUNTER.failures('whatsapp'));
            }
          }
        }
        const stored = storeAll(deps, channel, inbound);
        if (stored > 0) deps.onStored();
        return { status: 200, json: { ok: true } };
      },
    },
  ];
}
