import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { createHmac, randomBytes } from 'node:crypto';
import type { OutboundFetch } from '../edge/cloudflare-edge';
import type { StandIn } from '../sandbox';

/**
 * WhatsApp Cloud API stand-in (Meta Graph API, https://developers.facebook.com/docs/whatsapp/cloud-api),
 * under /whatsapp so a client runs with `graphApiBaseUrl: <sandbox>/whatsapp`.
 *
 * - `GET /{version}/{phone-number-id}` phone number lookup;
 * - `POST /{version}/{phone-number-id}/messages` text messages
 *   → `{messaging_product, contacts:[{input, wa_id}], messages:[{id:"wamid…"}]}`;
 * - Bearer auth (`EAA…` tokens accepted unless revoked); Graph errors
 *   `{error:{message, type, code, error_subcode?, fbtrace_id}}`;
 * - webhooks like Meta's: a GET verification (hub.mode / hub.verify_token / hub.challenge)
 *   when a webhook is registered, then POSTs of `whatsapp_business_account` payloads signed
 *   with `X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, raw body)>`, retried on non-2xx;
 *   status callbacks (sent, delivered) after each message the business sends.
 *
 * Test controls under /whatsapp/_test (register a phone number + webhook, make an end user
 * send a message, read what was sent, revoke a token, tune retries).
 */
export const WHATSAPP_TOKEN_SHAPE = /^EAA[A-Za-z0-9]{20,}$/;

interface PhoneNumber {
  id: string;
  wabaId: string;
  displayPhoneNumber: string;
  verifiedName: string;
  appSecret: string;
  webhookUrl?: string;
  verifyToken?: string;
  sent: Record<string, unknown>[];
  inbound: Map<string, Record<string, unknown>>;
  deliveries: { kind: 'message' | 'status'; attempt: number; status: number | 'network_error'; at: string }[];
}

/** `outbound` delivers webhooks (the sandbox passes its Cloudflare edge so node hostnames resolve). */
export function createWhatsAppStandIn(outbound: OutboundFetch = fetch): StandIn {
  const numbers = new Map<string, PhoneNumber>();
  const revoked = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let retryDelaysMs = [100, 300, 1_000, 3_000, 10_000];
  let statusCallbacks = true;

  const fbtrace = () => randomBytes(8).toString('base64url');
  const graphError = (res: Response, status: number, message: string, type: string, code: number, subcode?: number) =>
    res
      .status(status)
      .json({ error: { message, type, code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: fbtrace() } });

  const auth = (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    const token = bearer ?? (typeof req.query.access_token === 'string' ? req.query.access_token : undefined);
    if (!token)
      return graphError(
        res,
        400,
        'An active access token must be used to query information about the current user.',
        'OAuthException',
        2500,
      );
    if (!WHATSAPP_TOKEN_SHAPE.test(token) || revoked.has(token))
      return graphError(res, 401, 'Invalid OAuth access token - Cannot parse access token', 'OAuthException', 190);
    if (!/^v\d+\.\d+$/.test(String(req.params.version)))
      return graphError(res, 400, `Unknown path components: /${String(req.params.version)}`, 'OAuthException', 2500);
    next();
  };

  const unknownObject = (res: Response, id: string) =>
    graphError(
      res,
      400,
      `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      'GraphMethodException',
      100,
      33,
    );

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const envelope = (p: PhoneNumber, value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: p.wabaId,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: p.displayPhoneNumber, phone_number_id: p.id },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  });

  async function post(
    p: PhoneNumber,
    kind: 'message' | 'status',
    payload: unknown,
    attempt: number,
  ): Promise<number | 'network_error' | null> {
    if (!p.webhookUrl) return null;
    const raw = JSON.stringify(payload);
    const signature = `sha256=${createHmac('sha256', p.appSecret).update(raw).digest('hex')}`;
    let status: number | 'network_error';
    try {
      const res = await outbound(p.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Hub-Signature-256': signature },
        body: raw,
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = 'network_error';
    }
    p.deliveries.push({ kind, attempt, status, at: new Date().toISOString() });
    const ok = typeof status === 'number' && status >= 200 && status < 300;
    if (!ok && attempt < retryDelaysMs.length)
      later(retryDelaysMs[attempt], () => void post(p, kind, payload, attempt + 1));
    return status;
  }

  const router = () => {
    const r = Router();
    r.use(express.json({ limit: '1mb' }));

    r.post('/_test/config', (req, res) => {
      const b = (req.body ?? {}) as { retryDelaysMs?: unknown; statusCallbacks?: unknown };
      if (Array.isArray(b.retryDelaysMs)) retryDelaysMs = b.retryDelaysMs.map(Number);
      if (typeof b.statusCallbacks === 'boolean') statusCallbacks = b.statusCallbacks;
      res.json({ retryDelaysMs, statusCallbacks });
    });
    r.post('/_test/tokens/revoke', (req, res) => {
      revoked.add(String((req.body as { token?: string }).token));
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
      const id = b.phoneNumberId ?? String(100_000_000_000_000 + Math.floor(Math.random() * 1e9));
      const p: PhoneNumber = {
        id,
        wabaId: String(200_000_000_000_000 + Math.floor(Math.random() * 1e9)),
        displayPhoneNumber: b.displayPhoneNumber ?? '15550001234',
        verifiedName: b.verifiedName ?? 'Sandbox Business',
        appSecret: b.appSecret,
        sent: [],
        inbound: new Map(),
        deliveries: [],
      };
      numbers.set(id, p);
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
      const p = numbers.get(req.params.id);
      if (!p) return res.status(404).json({ error: 'unknown phone number' });
      const b = (req.body ?? {}) as {
        from?: string;
        name?: string;
        text?: string;
        type?: 'text' | 'image';
        messageId?: string;
      };
      const from = b.from ?? '15551234567';
      const id = b.messageId ?? `wamid.${Buffer.from(randomBytes(24)).toString('base64url')}`;
      const message: Record<string, unknown> = {
        from,
        id,
        timestamp: String(Math.floor(Date.now() / 1000)),
        type: b.type ?? 'text',
      };
      if ((b.type ?? 'text') === 'text') message.text = { body: b.text ?? 'hello' };
      else
        message.image = {
          mime_type: 'image/jpeg',
          sha256: randomBytes(32).toString('base64'),
          id: String(Math.floor(Math.random() * 1e15)),
        };
      const payload = envelope(p, {
        contacts: [{ profile: { name: b.name ?? 'Test User' }, wa_id: from }],
        messages: [message],
      });
      p.inbound.set(id, payload);
      const status = await post(p, 'message', payload, 0);
      return res.status(201).json({ messageId: id, payload, delivery: { status } });
    });
    r.post('/_test/phone-numbers/:id/messages/:messageId/redeliver', async (req, res) => {
      const p = numbers.get(req.params.id);
      const payload = p?.inbound.get(req.params.messageId);
      if (!p || !payload) return res.status(404).json({ error: 'unknown message' });
      const status = await post(p, 'message', payload, retryDelaysMs.length);
      return res.json({ delivery: { status } });
    });
    r.get('/_test/phone-numbers/:id/sent', (req, res) =>
      res.json({ messages: numbers.get(req.params.id)?.sent ?? [] }),
    );
    r.get('/_test/phone-numbers/:id/deliveries', (req, res) =>
      res.json({ deliveries: numbers.get(req.params.id)?.deliveries ?? [] }),
    );

    r.get('/:version/:phoneNumberId', auth, (req, res) => {
      const p = numbers.get(String(req.params.phoneNumberId));
      if (!p) return unknownObject(res, String(req.params.phoneNumberId));
      return res.json({
        verified_name: p.verifiedName,
        code_verification_status: 'VERIFIED',
        display_phone_number: p.displayPhoneNumber,
        quality_rating: 'GREEN',
        platform_type: 'CLOUD_API',
        throughput: { level: 'STANDARD' },
        id: p.id,
      });
    });
    r.post('/:version/:phoneNumberId/messages', auth, (req, res) => {
      const p = numbers.get(String(req.params.phoneNumberId));
      if (!p) return unknownObject(res, String(req.params.phoneNumberId));
      const b = (req.body ?? {}) as {
        messaging_product?: unknown;
        to?: unknown;
        type?: unknown;
        text?: { body?: unknown };
        context?: { message_id?: unknown };
      };
      if (b.messaging_product !== 'whatsapp')
        return graphError(res, 400, '(#100) The parameter messaging_product is required.', 'OAuthException', 100);
      if (typeof b.to !== 'string' || !/^\+?\d{6,20}$/.test(b.to))
        return graphError(res, 400, '(#100) Invalid parameter', 'OAuthException', 100);
      if ((b.type ?? 'text') !== 'text')
        return graphError(
          res,
          400,
          '(#100) Only text messages are supported by the Enclave sandbox',
          'OAuthException',
          100,
        );
      if (typeof b.text?.body !== 'string' || b.text.body.length === 0 || b.text.body.length > 4096) {
        return graphError(
          res,
          400,
          "(#100) Param text['body'] must be a non-empty string of at most 4096 characters",
          'OAuthException',
          100,
        );
      }
      const wamid = `wamid.${Buffer.from(randomBytes(24)).toString('base64url')}`;
      const to = b.to.replace(/^\+/, '');
      p.sent.push({
        id: wamid,
        to,
        text: b.text.body,
        contextMessageId: b.context?.message_id ?? null,
        at: new Date().toISOString(),
      });
      if (statusCallbacks) {
        for (const [i, status] of (['sent', 'delivered'] as const).entries()) {
          later(
            20 * (i + 1),
            () =>
              void post(
                p,
                'status',
                envelope(p, {
                  statuses: [
                    {
                      id: wamid,
                      status,
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      recipient_id: to,
                      conversation: { id: randomBytes(16).toString('hex'), origin: { type: 'service' } },
                      pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
                    },
                  ],
                }),
                0,
              ),
          );
        }
      }
      return res.json({
        messaging_product: 'whatsapp',
        contacts: [{ input: b.to, wa_id: to }],
        messages: [{ id: wamid }],
      });
    });
    r.use((_req, res) =>
      graphError(res, 400, 'Unsupported request - method type: unknown', 'GraphMethodException', 100),
    );
    return r;
  };

  return {
    prefix: '/whatsapp',
    router,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
