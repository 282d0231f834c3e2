import { TEST_AGENTS, TEST_DASHBOARD_ORIGIN } from './node-fixture';
import type { Inject } from './route-sweep-inputs';
import type { SweepIds } from './route-sweep-node';
import type { RouteGuard } from '../http/http-server';

/** What an open route checks itself (the isolation sweep tries the wrong ones). */
export type OpenCredential =
  | 'telegram-secret'
  | 'whatsapp-signature'
  | 'whatsapp-verify-token'
  | 'export-link'
  | 'api-key'
  | 'widget-origin'
  | 'widget-conversation'
  | 'dashboard-origin';

/**
 * One served route. A verb its path does not serve is answered 405 before any guard runs; the
 * sweep expects that for every other verb. `accepts` lists malformed inputs the route may take.
 */
export interface RouteExpectation {
  readonly guard: RouteGuard;
  /** Open and preflight routes: the credential they check. */
  readonly credential?: OpenCredential;
  /** Why the route is public by design (no isolation sweep). */
  readonly publicBecause?: string;
  /** The concrete request target, with real ids (default: the path itself). */
  readonly at?: (ids: SweepIds) => string;
  /** A valid body with the injected value in its main field. */
  readonly body?: Inject;
  /** The value that makes `body` valid (default 'hello'): sent first, it must be accepted. */
  readonly valid?: unknown;
  /** Why the valid body is not sent (it would change what the sweep runs on). */
  readonly noBaseline?: string;
  /** A valid query string with the (encoded) value in its main parameter. */
  readonly query?: (value: string, ids: SweepIds) => string;
  readonly accepts?: readonly string[];
  /** The chat API answers errors as OpenAI does (`{error:{message,type,param,code}}`), for its clients. */
  readonly errorShape?: 'openai';
  /** Statuses besides 401/403/404 a wrong credential may get, and why. */
  readonly alsoRefusedWith?: readonly number[];
}

const conv = (ids: SweepIds) => `/v1/inbox/conversations/${ids.conversationId}`;
const widgetConv = (ids: SweepIds) => `/widget/api/conversations/${ids.widgetConversationId}`;
const TEXT_OK = ['rtl-mark'];
/** Provider payloads are loose objects whose text is whatever the user wrote: stored, not refused. */
const PROVIDER_OK = [
  'text-plain',
  'missing-field',
  'unknown-field',
  'nul',
  'control-chars',
  'lone-surrogate',
  'rtl-mark',
  'proto-key',
  'constructor-prototype',
];
const ANY_QUERY = [
  'q-nul',
  'q-1000-chars',
  'q-bad-percent',
  'q-lone-surrogate',
  'q-rtl-mark',
  'q-negative',
  'q-1e308',
  'q-2^64',
];

export const ROUTE_TABLE: Readonly<Record<string, RouteExpectation>> = {
  // Health: liveness is open on purpose (no detail); health with checks is signed.
  'GET /healthz': {
    guard: 'open',
    publicBecause: 'liveness probe for provisioning and load balancers; says only ok/wiped',
  },
  'GET /v1/health': { guard: 'signed' },
  // Control plane.
  'PUT /v1/config': {
    guard: 'signed',
    body: (v) => ({ revision: v, dashboardOrigin: TEST_DASHBOARD_ORIGIN, agents: TEST_AGENTS, channels: [] }),
    noBaseline: 'a valid config would remove the channels the sweep runs on',
  },
  'PUT /v1/secrets/:kind': {
    guard: 'signed',
    at: (ids) => `/v1/secrets/${ids.secretKind}`,
    body: (v) => ({ value: v, scope: 'sweep-scope' }),
    accepts: TEXT_OK,
  },
  'DELETE /v1/secrets/:kind': {
    guard: 'signed',
    at: (ids) => `/v1/secrets/${ids.secretKind}`,
    query: (v) => `scope=${v}`,
    // `1e308` and the digits of 2^64 are well-formed scope names (nothing stored under them).
    accepts: ['q-1e308', 'q-2^64'],
  },
  'POST /v1/suspend': { guard: 'signed' },
  'POST /v1/resume': { guard: 'signed' },
  'PUT /v1/trusted-keys': {
    guard: 'signed',
    body: (v) => ({ publicKeys: [v] }),
    noBaseline: 'a valid key list would replace the key the sweep signs with',
  },
  'POST /v1/wipe': { guard: 'signed', body: (v) => ({ confirmNodeId: v }), noBaseline: 'a valid wipe ends the node' },
  'PUT /v1/retention': { guard: 'signed', body: (v) => ({ days: v }), valid: 30 },
  'POST /v1/exports': { guard: 'signed', body: (v) => ({ ttlSeconds: v }), valid: 3600, accepts: ['missing-field'] },
  'GET /v1/exports/:exportId': { guard: 'signed', at: (ids) => `/v1/exports/${ids.exportId}` },
  'POST /v1/conversations/erase': {
    guard: 'signed',
    body: (v) => ({ conversationId: v }),
    accepts: ['rtl-mark', 'nul', 'control-chars', 'lone-surrogate'],
  },
  // Export download: the link carries its own HMAC signature and expiry.
  'GET /exports/:exportId/:file': {
    guard: 'open',
    credential: 'export-link',
    at: (ids) => ids.exportLink,
    query: (v, ids) => ids.exportLink.split('?')[1].replace(/^expires=\d+/, `expires=${v}`),
    alsoRefusedWith: [410],
  },
  // Provider webhooks.
  'POST /webhooks/telegram/:channelId': {
    guard: 'open',
    credential: 'telegram-secret',
    at: () => '/webhooks/telegram/tg-main',
    body: (v) => ({ update_id: 900_001, message: { message_id: 1, chat: { id: 1001 }, text: v } }),
    accepts: PROVIDER_OK,
  },
  'GET /webhooks/whatsapp/:channelId': {
    guard: 'open',
    credential: 'whatsapp-verify-token',
    at: () => '/webhooks/whatsapp/wa-main',
    query: (v) => `hub.mode=subscribe&hub.verify_token=sweep-verify-token&hub.challenge=${v}`,
    accepts: ANY_QUERY,
    alsoRefusedWith: [400],
  },
  'POST /webhooks/whatsapp/:channelId': {
    guard: 'open',
    credential: 'whatsapp-signature',
    at: () => '/webhooks/whatsapp/wa-main',
    body: (v) => ({
      object: 'whatsapp_business_account',
      entry: [
        {
          changes: [
            { value: { messages: [{ id: 'wamid.sweep', from: '15550001', type: 'text', text: { body: v } }] } },
          ],
        },
      ],
    }),
    accepts: PROVIDER_OK,
  },
  // Chat API (OpenAI-compatible): API keys.
  'POST /v1/chat/completions': {
    guard: 'open',
    credential: 'api-key',
    body: (v) => ({ model: 'agent-openai', messages: [{ role: 'user', content: v }] }),
    errorShape: 'openai',
    // As OpenAI does: any content type, unknown parameters ignored, message content passed to the
    // model as written (a history-off key stores nothing).
    accepts: [
      'text-plain',
      'unknown-field',
      'proto-key',
      'constructor-prototype',
      'nul',
      'control-chars',
      'lone-surrogate',
      'rtl-mark',
    ],
  },
  'GET /v1/models': { guard: 'open', credential: 'api-key', errorShape: 'openai' },
  'GET /v1/models/:id': {
    guard: 'open',
    credential: 'api-key',
    at: () => '/v1/models/agent-openai',
    errorShape: 'openai',
  },
  // Widget: the loader, frame and appearance are public; visitors have no account.
  'GET /widget.js': { guard: 'open', publicBecause: 'the loader script every embedding page fetches' },
  'GET /widget/panel.js': { guard: 'open', publicBecause: 'the panel script, content-addressed, no data' },
  'GET /widget/frame': { guard: 'open', publicBecause: 'the panel page; framing limited by CSP frame-ancestors' },
  'GET /widget/settings': {
    guard: 'open',
    publicBecause: 'appearance the loader draws before any conversation; no conversation data',
  },
  'POST /widget/api/conversations': {
    guard: 'open',
    credential: 'widget-origin',
    body: (v) => ({ message: { text: v, clientId: 'sweep-client-2' } }),
    accepts: TEXT_OK,
  },
  'POST /widget/api/conversations/:conversationId/messages': {
    guard: 'open',
    credential: 'widget-conversation',
    at: (ids) => `${widgetConv(ids)}/messages`,
    body: (v) => ({ text: v, clientId: 'sweep-client-3' }),
    accepts: TEXT_OK,
  },
  'GET /widget/api/conversations/:conversationId/events': {
    guard: 'open',
    credential: 'widget-conversation',
    at: (ids) => `${widgetConv(ids)}/events`,
  },
  'GET /widget/api/conversations/:conversationId/poll': {
    guard: 'open',
    credential: 'widget-conversation',
    at: (ids) => `${widgetConv(ids)}/poll`,
    // A cursor the widget cannot read starts from the beginning: its own conversation only.
    query: (v) => `wait=0&after=${v}`,
    accepts: ANY_QUERY,
  },
  // Team inbox (dashboard, node sessions).
  'GET /v1/inbox/conversations': { guard: 'member', query: (v) => `status=${v}` },
  'GET /v1/inbox/conversations/:id': { guard: 'member', at: conv },
  'PATCH /v1/inbox/conversations/:id': {
    guard: 'member',
    at: conv,
    body: (v) => ({ status: v }),
    valid: 'open',
    accepts: ['missing-field'],
  },
  'DELETE /v1/inbox/conversations/:id': { guard: 'admin', at: conv },
  'POST /v1/inbox/conversations/:id/messages': {
    guard: 'member',
    at: (ids) => `${conv(ids)}/messages`,
    body: (v) => ({ text: v }),
    accepts: TEXT_OK,
  },
  'POST /v1/inbox/conversations/:id/notes': {
    guard: 'member',
    at: (ids) => `${conv(ids)}/notes`,
    body: (v) => ({ text: v }),
    accepts: TEXT_OK,
  },
  'POST /v1/inbox/conversations/:id/takeover': { guard: 'member', at: (ids) => `${conv(ids)}/takeover` },
  'POST /v1/inbox/conversations/:id/handback': { guard: 'member', at: (ids) => `${conv(ids)}/handback` },
  'POST /v1/inbox/conversations/:id/trash': { guard: 'admin', at: (ids) => `${conv(ids)}/trash` },
  'POST /v1/inbox/conversations/:id/restore': { guard: 'admin', at: (ids) => `${conv(ids)}/restore` },
  'GET /v1/inbox/events': {
    guard: 'member',
    // A resume point it cannot read starts from now: the stream opens either way.
    query: (v) => `lastEventId=${v}`,
    accepts: ANY_QUERY,
  },
  'GET /v1/inbox/saved-replies': { guard: 'member' },
  'POST /v1/inbox/saved-replies': {
    guard: 'admin',
    body: (v) => ({ shortcode: 'sweep', text: v }),
    accepts: TEXT_OK,
  },
  'PUT /v1/inbox/saved-replies/:id': {
    guard: 'admin',
    at: (ids) => `/v1/inbox/saved-replies/${ids.savedReplyId}`,
    body: (v) => ({ shortcode: 'hi', text: v }),
    accepts: TEXT_OK,
  },
  'DELETE /v1/inbox/saved-replies/:id': {
    guard: 'admin',
    at: (ids) => `/v1/inbox/saved-replies/${ids.savedReplyId}`,
  },
  'GET /v1/inbox/settings': { guard: 'member' },
  'PUT /v1/inbox/settings': {
    guard: 'admin',
    body: (v) => ({ handoffPhrases: ['a person'], handoffMessage: v, handbackMessage: '' }),
    accepts: TEXT_OK,
  },
  // Knowledge base.
  'GET /v1/knowledge': { guard: 'member' },
  'POST /v1/knowledge/sources': {
    guard: 'admin',
    body: (v) => ({ kind: 'qa', question: v, answer: 'An answer.' }),
    accepts: TEXT_OK,
  },
  // The body is the file itself (any bytes); its name is the query.
  'POST /v1/knowledge/files': {
    guard: 'admin',
    query: (v) => `name=${v}`,
    accepts: ['q-1000-chars', 'q-rtl-mark', 'q-negative', 'q-1e308', 'q-2^64'],
  },
  'POST /v1/knowledge/sources/:id/refresh': {
    guard: 'admin',
    at: (ids) => `/v1/knowledge/sources/${ids.sourceId}/refresh`,
  },
  'DELETE /v1/knowledge/sources/:id': { guard: 'admin', at: (ids) => `/v1/knowledge/sources/${ids.sourceId}` },
  'PUT /v1/knowledge/settings': { guard: 'admin', body: (v) => ({ noAnswer: v }), valid: 'say' },
  'POST /v1/knowledge/profile/draft': { guard: 'admin', body: (v) => ({ url: v }), valid: 'http://127.0.0.1:9/' },
  'PUT /v1/knowledge/profile': {
    guard: 'admin',
    body: (v) => ({ text: v, published: false }),
    noBaseline: 'there is no profile to edit until one is drafted from a site (404; the field checks come first)',
    accepts: TEXT_OK,
  },
  // Outbound webhook log.
  'GET /v1/webhooks/endpoints': { guard: 'member' },
  'GET /v1/webhooks/endpoints/:id/deliveries': {
    guard: 'member',
    at: (ids) => `/v1/webhooks/endpoints/${ids.endpointId}/deliveries`,
    query: (v) => `before=${v}`,
  },
  'GET /v1/webhooks/deliveries/:id': { guard: 'member', at: (ids) => `/v1/webhooks/deliveries/${ids.deliveryId}` },
  'POST /v1/webhooks/deliveries/:id/replay': {
    guard: 'admin',
    at: (ids) => `/v1/webhooks/deliveries/${ids.deliveryId}/replay`,
  },
};
