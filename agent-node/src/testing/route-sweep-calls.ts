import { createHmac, generateKeyPairSync } from 'node:crypto';
import { signRequest } from '@enclave/node-protocol';
import { TEST_DASHBOARD_ORIGIN } from './node-fixture';
import { WIDGET_SITE, type SweepNode } from './route-sweep-node';
import type { RouteExpectation } from './route-sweep-table';

export interface SweepRequest {
  readonly method: string;
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface SweepAnswer {
  readonly status: number;
  readonly json: unknown;
}

let calls = 0;
/** Calls made so far (every request the sweep sends, primes included). */
export const callCount = () => calls;

/**
 * Sends one request from its own client address (the node trusts 127.0.0.1 as a proxy), so no
 * per-address limit trips. Event streams are answered by their status alone, then closed.
 */
export async function send(nodeUrl: string, r: SweepRequest): Promise<SweepAnswer> {
  calls += 1;
  const xff = `10.${(calls >> 16) & 255}.${(calls >> 8) & 255}.${calls & 255}`;
  const res = await fetch(`${nodeUrl}${r.target}`, {
    method: r.method,
    headers: { 'x-forwarded-for': xff, ...r.headers },
    body: r.body,
    signal: AbortSignal.timeout(10_000),
  });
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, json: null };
  }
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    return { status: res.status, json: text };
  }
}

const EVIL_ORIGIN = 'https://evil.example';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const untrustedPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** A nonce the node has seen (primed once): a signed request carrying it again is a replay. */
const SEEN_NONCE = 'sweepNonceAlreadySeen001';

export async function primeSeenNonce(node: SweepNode): Promise<void> {
  const r = { method: 'GET', target: '/v1/health' };
  const headers = signRequest({ ...r, path: r.target, privateKey: node.f.cp.keys.privateKeyPem, nonce: SEEN_NONCE });
  const res = await send(node.f.nodeUrl, { ...r, headers });
  if (res.status !== 200) throw new Error(`priming the nonce: ${res.status}`);
}

/** The right headers for a route's guard or credential: what the malformed sweep sends. */
export function validHeaders(node: SweepNode, e: RouteExpectation, r: SweepRequest): Record<string, string> {
  const { f, creds } = node;
  switch (e.guard) {
    case 'member':
    case 'admin':
      return { ...bearer(creds.admin), origin: TEST_DASHBOARD_ORIGIN };
    case 'signed':
      return f.cp.sign(r.method, r.target, r.body ?? '');
    case 'preflight':
      return { origin: TEST_DASHBOARD_ORIGIN };
    case 'open':
      break;
  }
  switch (e.credential) {
    case 'telegram-secret':
      return { 'x-telegram-bot-api-secret-token': creds.telegramSecret };
    case 'whatsapp-signature':
      return { 'x-hub-signature-256': hubSignature(creds.whatsappAppSecret, r.body ?? '') };
    case 'api-key':
      return bearer(creds.apiKey);
    case 'widget-origin':
    case 'widget-conversation':
      return { origin: WIDGET_SITE };
    default:
      return {};
  }
}

function hubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A wrong credential: the request as it is sent (a credential may change the target too). */
export interface WrongCredential {
  readonly name: string;
  readonly request: (r: SweepRequest) => SweepRequest;
}

const withHeaders =
  (headers: Record<string, string>) =>
  (r: SweepRequest): SweepRequest => ({ ...r, headers: { ...r.headers, ...headers } });

/** Every wrong credential that applies to a route, by what guards it. */
export function wrongCredentials(node: SweepNode, e: RouteExpectation): WrongCredential[] {
  const { f, creds, ids } = node;
  const cpSigned = (r: SweepRequest) => withHeaders(f.cp.sign(r.method, r.target, r.body ?? ''))(r);
  const c = (name: string, request: WrongCredential['request']) => ({ name, request });
  const h = (name: string, headers: Record<string, string>) => c(name, withHeaders(headers));
  if (e.guard === 'member' || e.guard === 'admin') {
    return [
      h('anonymous', {}),
      h('not-a-token', bearer('not-a-token')),
      h('expired-session', bearer(creds.expired)),
      h('other-node-session', bearer(creds.otherNode)),
      h('untrusted-key-session', bearer(creds.untrusted)),
      h('widget-visitor-token', bearer(ids.widgetConversationId)),
      h('chat-api-key', bearer(creds.apiKey)),
      c('control-plane-signature', cpSigned),
      h('admin-session-wrong-origin', { ...bearer(creds.admin), origin: EVIL_ORIGIN }),
      ...(e.guard === 'admin' ? [h('member-session', { ...bearer(creds.member), origin: TEST_DASHBOARD_ORIGIN })] : []),
    ];
  }
  if (e.guard === 'signed') {
    const sign = (r: SweepRequest, privateKey: string, opts: { now?: Date; nonce?: string } = {}) =>
      signRequest({ method: r.method, path: r.target, body: r.body ?? '', privateKey, ...opts });
    return [
      h('anonymous', {}),
      c('untrusted-key-signature', (r) => withHeaders(sign(r, untrustedPem))(r)),
      h('signature-of-another-request', f.cp.sign('GET', '/v1/exports/not-this-request')),
      c('replayed-nonce', (r) => withHeaders(sign(r, f.cp.keys.privateKeyPem, { nonce: SEEN_NONCE }))(r)),
      c('stale-signature', (r) =>
        withHeaders(sign(r, f.cp.keys.privateKeyPem, { now: new Date(Date.now() - 86_400_000) }))(r),
      ),
      h('admin-session', bearer(creds.admin)),
      h('chat-api-key', bearer(creds.apiKey)),
    ];
  }
  const dashboard = h('admin-session', bearer(creds.admin));
  switch (e.credential) {
    case 'telegram-secret':
      return [
        h('anonymous', {}),
        h('wrong-secret', { 'x-telegram-bot-api-secret-token': 'x'.repeat(43) }),
        dashboard,
        c('control-plane-signature', cpSigned),
      ];
    case 'whatsapp-signature':
      return [
        h('anonymous', {}),
        c('wrong-signature', (r) =>
          withHeaders({ 'x-hub-signature-256': hubSignature('not-the-secret', r.body ?? '') })(r),
        ),
        dashboard,
        c('control-plane-signature', cpSigned),
      ];
    case 'whatsapp-verify-token':
      return [
        h('anonymous', {}),
        c('wrong-verify-token', (r) => ({
          ...r,
          target: `${r.target}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`,
        })),
        dashboard,
      ];
    case 'export-link': {
      const bare = (r: SweepRequest) => ({ ...r, target: r.target.split('?')[0] });
      return [
        c('no-link-signature', bare),
        c('tampered-signature', (r) => ({
          ...r,
          target: r.target.replace(/signature=./, (s) => `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`),
        })),
        c('extended-expiry', (r) => ({ ...r, target: r.target.replace(/expires=\d+/, 'expires=99999999999') })),
        c('admin-session', (r) => withHeaders(bearer(creds.admin))(bare(r))),
        c('control-plane-signature', (r) => cpSigned(bare(r))),
      ];
    }
    case 'api-key':
      return [
        h('anonymous', {}),
        h('wrong-key', bearer(`sk-enclave-${'A'.repeat(43)}`)),
        dashboard,
        h('widget-visitor-token', bearer(ids.widgetConversationId)),
        c('control-plane-signature', cpSigned),
      ];
    case 'widget-origin':
      return [h('no-origin', {}), h('wrong-origin', { origin: EVIL_ORIGIN }), dashboard];
    case 'widget-conversation': {
      const other = (id: string) => (r: SweepRequest) => ({
        ...r,
        target: r.target.replace(ids.widgetConversationId, id),
        headers: { ...r.headers, origin: WIDGET_SITE },
      });
      return [
        c('forged-conversation-id', other('Zz0123456789abcdefghijklmnopqrst')),
        c('inbox-id-as-visitor-token', other(ids.conversationId)),
        h('wrong-origin', { origin: EVIL_ORIGIN }),
        c('admin-session-forged-id', (r) =>
          withHeaders(bearer(creds.admin))(other('Zz0123456789abcdefghijklmnopqrst')(r)),
        ),
      ];
    }
    case 'dashboard-origin':
      return [h('wrong-origin', { origin: EVIL_ORIGIN })];
    default:
      return [];
  }
}
