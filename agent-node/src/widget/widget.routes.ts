import type { ServerResponse } from 'node:http';
import * as z from 'zod/mini';
import { userText, type WidgetSettings } from '@enclave/node-protocol';
import type { OpenRoute } from '../capability';
import type { ClientAddress } from '../http/client-address';
import { parseJsonBody, type RequestContext } from '../http/http-server';
import type { ConfigRepository } from '../storage/config.repository';
import type { WidgetAssets } from './widget-assets';
import type { WidgetHub } from './widget-hub';
import { isOpen, requireOrigin } from './widget-policy';
import { widgetChannel, type WidgetService } from './widget.service';

const clientId = z.string().check(z.regex(/^[A-Za-z0-9_-]{8,64}$/));
const field = (max: number) => z.optional(z.string().check(z.maxLength(max)));
const messageSchema = z.strictObject({ text: userText(), clientId });
const startSchema = z.strictObject({
  message: messageSchema,
  prechat: z._default(
    z.strictObject({ name: field(100), email: z.optional(z.email().check(z.maxLength(200))), phone: field(40) }),
    {},
  ),
  identity: z.optional(
    z.strictObject({
      userId: z.string().check(z.minLength(1), z.maxLength(200)),
      userHash: z.string().check(z.regex(/^[0-9a-fA-F]{64}$/)),
    }),
  ),
});
const afterSchema = z.coerce.number().check(z.int(), z.nonnegative());

export interface WidgetRouteDeps {
  readonly config: ConfigRepository;
  readonly service: WidgetService;
  readonly hub: WidgetHub;
  readonly assets: WidgetAssets;
  /** The node's own origin: the panel's frame calls from it. */
  readonly nodeOrigin: string;
  /** The visitor's address behind the edge (trusted proxies), for the per-address limits. */
  readonly address: ClientAddress;
}

/** The last event the client has: `Last-Event-ID` (EventSource reconnect) or `?after=`. */
function afterOf(ctx: RequestContext): number {
  const raw = ctx.req.headers['last-event-id'] ?? ctx.url.searchParams.get('after') ?? '0';
  const parsed = afterSchema.safeParse(Array.isArray(raw) ? raw[0] : raw);
  return parsed.success ? parsed.data : 0;
}

/** What the loader and the panel need to draw themselves: appearance, consent, pre-chat, hours. */
function publicSettings(s: WidgetSettings) {
  return {
    title: s.title,
    greeting: s.greeting,
    color: s.color,
    position: s.position,
    launcherIcon: s.launcherIcon,
    language: s.language,
    consent: s.consent,
    consentText: s.consentText,
    prechat: s.prechat,
    open: isOpen(s.hours),
    awayMessage: s.hours?.awayMessage ?? '',
    maxMessageLength: s.limits.maxMessageLength,
    identityRequired: s.identityVerification,
  };
}

/** The frame's page: the panel script under its content hash, embeddable by allowed sites only. */
function frameHtml(s: WidgetSettings, panelUrl: string): string {
  const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="${esc(s.language)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(s.title)}</title></head><body><script src="${esc(panelUrl)}"></script></body></html>`;
}

function sendHtml(res: ServerResponse, html: string, frameAncestors: readonly string[]): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      `frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`,
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'unsafe-inline'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; '),
  });
  res.end(html);
}

/**
 * The widget's public face: the loader, the framed panel, and the visitor API (start, post,
 * SSE stream with `Last-Event-ID` resume, long-poll fallback). Open routes: a visitor has no
 * account; allowed origins, the unguessable conversation id and identity verification guard them.
 */
export function widgetRoutes(deps: WidgetRouteDeps): OpenRoute[] {
  const { config, service, hub, assets, nodeOrigin, address } = deps;
  const settingsFor = (ctx: RequestContext, required: boolean) => {
    const s = widgetChannel(config).settings.widget;
    requireOrigin(ctx.req, s, nodeOrigin, { required });
    return s;
  };
  return [
    {
      method: 'GET',
      path: '/widget.js',
      handler: async (ctx) => {
        await assets.serve('loader', ctx.req, ctx.res, 'public, max-age=3600, stale-while-revalidate=86400');
        return { handled: true };
      },
    },
    {
      method: 'GET',
      path: '/widget/panel.js',
      handler: async (ctx) => {
        await assets.serve('panel', ctx.req, ctx.res, 'public, max-age=31536000, immutable');
        return { handled: true };
      },
    },
    {
      method: 'GET',
      path: '/widget/frame',
      handler: async (ctx) => {
        const s = widgetChannel(config).settings.widget;
        sendHtml(ctx.res, frameHtml(s, `/widget/panel.js?v=${await assets.panelVersion()}`), s.allowedOrigins);
        return { handled: true };
      },
    },
    {
      method: 'GET',
      path: '/widget/settings',
      handler: (ctx) => {
        const s = settingsFor(ctx, false);
        const origin = ctx.req.headers.origin;
        if (origin) {
          ctx.res.setHeader('access-control-allow-origin', origin);
          ctx.res.setHeader('vary', 'Origin');
        }
        return { status: 200, json: publicSettings(s) };
      },
    },
    {
      method: 'POST',
      path: '/widget/api/conversations',
      bodyLimit: 64 * 1024,
      handler: (ctx) => {
        settingsFor(ctx, true);
        const body = parseJsonBody(ctx, startSchema);
        return { status: 201, json: service.start(address.of(ctx.req), body) };
      },
    },
    {
      method: 'POST',
      path: '/widget/api/conversations/:conversationId/messages',
      bodyLimit: 64 * 1024,
      handler: (ctx) => {
        settingsFor(ctx, true);
        const body = parseJsonBody(ctx, messageSchema);
        return { status: 201, json: service.post(address.of(ctx.req), ctx.params.conversationId, body) };
      },
    },
    {
      method: 'GET',
      path: '/widget/api/conversations/:conversationId/events',
      handler: (ctx) => {
        settingsFor(ctx, false);
        const { conversationId } = service.conversation(ctx.params.conversationId);
        hub.openStream(conversationId, ctx.res, afterOf(ctx));
        return { handled: true };
      },
    },
    {
      method: 'GET',
      path: '/widget/api/conversations/:conversationId/poll',
      handler: async (ctx) => {
        settingsFor(ctx, false);
        const { conversationId } = service.conversation(ctx.params.conversationId);
        const gone = new Promise<void>((resolve) => ctx.res.on('close', () => resolve()));
        const wait = ctx.url.searchParams.get('wait') === '0' ? 0 : undefined;
        const events = await hub.poll(conversationId, afterOf(ctx), wait, gone);
        return { status: 200, json: { events } };
      },
    },
  ];
}
