import express, { Router } from 'express';
import { randomBytes } from 'node:crypto';
import { recordNeedle } from '../at-rest-needles';
import type { OutboundFetch } from '../edge/cloudflare-edge';
import type { StandIn } from '../sandbox';
import { graphApiRoutes } from './whatsapp-graph-api';
import { type PhoneNumber, WhatsAppAccount } from './whatsapp-numbers';

/**
 * WhatsApp Cloud API stand-in (Meta Graph API, https://developers.facebook.com/docs/whatsapp/cloud-api),
 * under /whatsapp so a client runs with `graphApiBaseUrl: <sandbox>/whatsapp`.
 *
 * - `GET /{version}/{phone-number-id}` phone number lookup;
 * - `POST /{version}/{phone-number-id}/messages` text and template messages
 *   → `{messaging_product, contacts:[{input, wa_id}], messages:[{id:"wamid…"}]}`; a text more than
 *   24 hours after the user's last message (or to a user who never wrote) is refused like Meta
 *   does: 400 `{error:{message, type, code: 131047, error_data:{messaging_product, details}, fbtrace_id}}`;
 *   templates (`type: "template", template: {name, language: {code}}`) are accepted any time;
 * - Bearer auth (`EAA…` tokens accepted unless revoked); Graph errors
 *   `{error:{message, type, code, error_subcode?, fbtrace_id}}`;
 * - webhooks like Meta's: a GET verification (hub.mode / hub.verify_token / hub.challenge)
 *   when a webhook is registered, then POSTs of `whatsapp_business_account` payloads signed
 *   with `X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, raw body)>`, retried on non-2xx;
 *   status callbacks (sent, delivered) after each message the business sends.
 *
 * Test controls under /whatsapp/_test (register a phone number + webhook, make an end user
 * send a message — `timestamp` (unix seconds) backdates it, and the window with it — read what
 * was sent, revoke a token, tune retries).
 */
/** `outbound` delivers webhooks (the sandbox passes its Cloudflare edge so node hostnames resolve). */
export function createWhatsAppStandIn(outbound: OutboundFetch = fetch): StandIn {
  const account = new WhatsAppAccount(outbound);

  const router = () => {
    const r = Router();
    r.use(express.json({ limit: '1mb' }));

    r.post('/_test/config', (req, res) => {
      const b = (req.body ?? {}) as { retryDelaysMs?: unknown; statusCallbacks?: unknown };
      if (Array.isArray(b.retryDelaysMs)) account.retryDelaysMs = b.retryDelaysMs.map(Number);
      if (typeof b.statusCallbacks === 'boolean') account.statusCallbacks = b.statusCallbacks;
      res.json({ retryDelaysMs: account.retryDelaysMs, statusCallbacks: account.statusCallbacks });
    });
    r.post('/_test/tokens/revoke', (req, res) => {
      account.revoked.add(String((req.body as { token?: string }).token));
      res.json({ revoked: true });
    });
    r.post('/_test/phone-numbers', async (req, res) => {
      const b = (req.body ?? {}) as {
        phoneNumberId?: string;
        displayPhoneNumber?: string;
        verifiedName?: string;
        appSecret?: string;
        webhookUrl?: string;
        verifyToken?: string;
      };
      if (!b.appSecret) return res.status(400).json({ error: 'appSecret is required' });
      recordNeedle('secret', b.appSecret);
      recordNeedle('secret', b.verifyToken);
      const id = b.phoneNumberId ?? String(100_000_000_000_000 + Math.floor(Math.random() * 1e9));
      const p: PhoneNumber = {
        id,
        wabaId: String(200_000_000_000_000 + Math.floor(Math.random() * 1e9)),
        displayPhoneNumber: b.displayPhoneNumber ?? '15550001234',
        verifiedName: b.verifiedName ?? 'Sandbox Business',
        appSecret: b.appSecret,
        sent: [],
        inbound: new Map(),
        lastInboundAt: new Map(),
        deliveries: [],
      };
      account.numbers.set(id, p);
      let verification: { status: number | 'network_error'; echoed: boolean } | null = null;
      if (b.webhookUrl) {
        // Meta verifies a callback URL before subscribing it.
        const challenge = String(Math.floor(Math.random() * 1e9));
        const url = new URL(b.webhookUrl);
        url.searchParams.set('hub.mode', 'subscribe');
        url.searchParams.set('hub.verify_token', b.verifyToken ?? '');
        url.searchParams.set('hub.challenge', challenge);
        try {
          const vr = await fetch(url, { signal: AbortSignal.timeout(10_000) });
          const text = await vr.text();
          verification = { status: vr.status, echoed: vr.status === 200 && text === challenge };
        } catch {
          verification = { status: 'network_error', echoed: false };
        }
        if (verification.echoed) {
          p.webhookUrl = b.webhookUrl;
          p.verifyToken = b.verifyToken;
        }
      }
      return res.status(201).json({ phoneNumberId: id, webhookVerified: verification?.echoed ?? false, verification });
    });
    r.post('/_test/phone-numbers/:id/messages', async (req, res) => {
      const p = account.numbers.get(req.params.id);
      if (!p) return res.status(404).json({ error: 'unknown phone number' });
      const b = (req.body ?? {}) as {
        from?: string;
        name?: string;
        text?: string;
        type?: 'text' | 'image';
        messageId?: string;
        /** When the user wrote (unix seconds); default now. */
        timestamp?: number;
      };
      const from = b.from ?? '15551234567';
      const id = b.messageId ?? `wamid.${Buffer.from(randomBytes(24)).toString('base64url')}`;
      const seconds = Number.isSafeInteger(b.timestamp) ? Number(b.timestamp) : Math.floor(Date.now() / 1000);
      p.lastInboundAt.set(from, Math.max(p.lastInboundAt.get(from) ?? 0, seconds * 1000));
      const message: Record<string, unknown> = {
        from,
        id,
        timestamp: String(seconds),
        type: b.type ?? 'text',
      };
      if ((b.type ?? 'text') === 'text') {
        message.text = { body: b.text ?? 'hello' };
        recordNeedle('content', b.text);
      } else
        message.image = {
          mime_type: 'image/jpeg',
          sha256: randomBytes(32).toString('base64'),
          id: String(Math.floor(Math.random() * 1e15)),
        };
      const payload = account.envelope(p, {
        contacts: [{ profile: { name: b.name ?? 'Test User' }, wa_id: from }],
        messages: [message],
      });
      p.inbound.set(id, payload);
      const status = await account.post(p, 'message', payload, 0);
      return res.status(201).json({ messageId: id, payload, delivery: { status } });
    });
    r.post('/_test/phone-numbers/:id/messages/:messageId/redeliver', async (req, res) => {
      const p = account.numbers.get(req.params.id);
      const payload = p?.inbound.get(req.params.messageId);
      if (!p || !payload) return res.status(404).json({ error: 'unknown message' });
      const status = await account.post(p, 'message', payload, account.retryDelaysMs.length);
      return res.json({ delivery: { status } });
    });
    r.get('/_test/phone-numbers/:id/sent', (req, res) =>
      res.json({ messages: account.numbers.get(req.params.id)?.sent ?? [] }),
    );
    r.get('/_test/phone-numbers/:id/deliveries', (req, res) =>
      res.json({ deliveries: account.numbers.get(req.params.id)?.deliveries ?? [] }),
    );

    graphApiRoutes(r, account);
    return r;
  };

  return {
    prefix: '/whatsapp',
    router,
    stop: async () => account.timers.clear(),
  };
}
