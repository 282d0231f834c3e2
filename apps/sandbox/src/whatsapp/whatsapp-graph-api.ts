import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response, Router } from 'express';
import { recordNeedle } from '../at-rest-needles';
import { CUSTOMER_SERVICE_WINDOW_MS, type WhatsAppAccount, WHATSAPP_TOKEN_SHAPE } from './whatsapp-numbers';

/**
 * The Graph API calls a WhatsApp client makes: phone number lookup and sending text and template messages,
 * with Bearer auth and Graph errors `{error:{message, type, code, error_subcode?, fbtrace_id}}`.
 */

export function graphApiRoutes(r: Router, account: WhatsAppAccount): void {
  const fbtrace = () => randomBytes(8).toString('base64url');
  const graphError = (
    res: Response,
    status: number,
    message: string,
    type: string,
    code: number,
    subcode?: number,
    errorData?: Record<string, unknown>,
  ) =>
    res.status(status).json({
      error: {
        message,
        type,
        code,
        ...(subcode ? { error_subcode: subcode } : {}),
        ...(errorData ? { error_data: errorData } : {}),
        fbtrace_id: fbtrace(),
      },
    });

  const auth = (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    const token = bearer ?? (typeof req.query.access_token === 'string' ? req.query.access_token : undefined);
    recordNeedle('secret', token);
    if (!token)
      return graphError(
        res,
        400,
        'An active access token must be used to query information about the current user.',
        'OAuthException',
        2500,
      );
    if (!WHATSAPP_TOKEN_SHAPE.test(token) || account.revoked.has(token))
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

  r.get('/:version/:phoneNumberId', auth, (req, res) => {
    const p = account.numbers.get(String(req.params.phoneNumberId));
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
    const p = account.numbers.get(String(req.params.phoneNumberId));
    if (!p) return unknownObject(res, String(req.params.phoneNumberId));
    const b = (req.body ?? {}) as {
      messaging_product?: unknown;
      to?: unknown;
      type?: unknown;
      text?: { body?: unknown };
      template?: { name?: unknown; language?: { code?: unknown } };
      context?: { message_id?: unknown };
    };
    if (b.messaging_product !== 'whatsapp')
      return graphError(res, 400, '(#100) The parameter messaging_product is required.', 'OAuthException', 100);
    if (typeof b.to !== 'string' || !/^\+?\d{6,20}$/.test(b.to))
      return graphError(res, 400, '(#100) Invalid parameter', 'OAuthException', 100);
    const to = b.to.replace(/^\+/, '');
    const type = b.type ?? 'text';
    let content: Record<string, unknown>;
    if (type === 'template') {
      const name = b.template?.name;
      const language = b.template?.language?.code;
      if (typeof name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(name) || typeof language !== 'string' || !language)
        return graphError(
          res,
          400,
          "(#100) Param template['name'] and template['language']['code'] are required",
          'OAuthException',
          100,
        );
      content = { type: 'template', template: { name, language }, text: null };
    } else if (type === 'text') {
      if (typeof b.text?.body !== 'string' || b.text.body.length === 0 || b.text.body.length > 4096) {
        return graphError(
          res,
          400,
          "(#100) Param text['body'] must be a non-empty string of at most 4096 characters",
          'OAuthException',
          100,
        );
      }
      // The customer-service window: free-form messages only within 24 h of the user's last message.
      const last = p.lastInboundAt.get(to);
      if (last === undefined || Date.now() - last >= CUSTOMER_SERVICE_WINDOW_MS)
        return graphError(res, 400, '(#131047) Re-engagement message', 'OAuthException', 131047, undefined, {
          messaging_product: 'whatsapp',
          details:
            'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        });
      content = { type: 'text', text: b.text.body };
    } else {
      return graphError(
        res,
        400,
        '(#100) Only text and template messages are supported by the Enclave sandbox',
        'OAuthException',
        100,
      );
    }
    const wamid = `wamid.${Buffer.from(randomBytes(24)).toString('base64url')}`;
    p.sent.push({
      id: wamid,
      to,
      ...content,
      contextMessageId: b.context?.message_id ?? null,
      at: new Date().toISOString(),
    });
    // Replies in the window are service conversations; a template opens a business-initiated one.
    const category = content.type === 'template' ? 'utility' : 'service';
    if (account.statusCallbacks) {
      for (const [i, status] of (['sent', 'delivered'] as const).entries()) {
        account.timers.later(
          20 * (i + 1),
          () =>
            void account.post(
              p,
              'status',
              account.envelope(p, {
                statuses: [
                  {
                    id: wamid,
                    status,
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    recipient_id: to,
                    conversation: { id: randomBytes(16).toString('hex'), origin: { type: category } },
                    pricing: { billable: true, pricing_model: 'CBP', category },
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
  r.use((_req, res) => graphError(res, 400, 'Unsupported request - method type: unknown', 'GraphMethodException', 100));
}
