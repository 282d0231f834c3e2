import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import type { CaughtMessage } from './mail.stand-in';

/**
 * The HTTP sending APIs of Resend and Postmark, as their docs describe them, delivering into the
 * catcher's box (so tests read API mail like SMTP mail, `via` telling which way it came):
 *
 *   POST /mail/resend/emails     Authorization: Bearer re_…   {from, to, subject, text|html}  → 200 {id}
 *   POST /mail/postmark/email    X-Postmark-Server-Token: …   {From, To, Subject, TextBody|HtmlBody} → 200 {To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK"}
 *
 * Errors as documented: Resend 401 missing_api_key, 403 invalid_api_key, 422 validation_error
 * (`{statusCode, name, message}`); Postmark 401 without a token, 422 `{ErrorCode: 10|300, Message}`.
 */
export function mailApiRoutes(deliver: (message: Omit<CaughtMessage, 'id'>) => string): Router {
  const router = Router();
  router.use(express.json({ limit: '10mb' }));

  const list = (value: unknown): string[] =>
    (Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [])
      .map((v) => String(v).trim())
      .filter(Boolean);
  const addressOf = (value: string) => /<([^>]+)>/.exec(value)?.[1] ?? value;
  const now = () => new Date().toISOString();

  router.post('/resend/emails', (req: Request, res: Response) => {
    const auth = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const resendError = (statusCode: number, name: string, message: string) =>
      res.status(statusCode).json({ statusCode, name, message });
    if (!auth) return void resendError(401, 'missing_api_key', 'Missing API key in the authorization header');
    if (!/^re_[A-Za-z0-9_-]{8,}$/.test(auth)) return void resendError(403, 'invalid_api_key', 'API key is invalid');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const to = list(body.to);
    if (typeof body.from !== 'string' || !to.length || typeof body.subject !== 'string' || !(body.text || body.html))
      return void resendError(422, 'validation_error', 'from, to, subject and text or html are required');
    const id = randomUUID();
    deliver({
      messageId: id,
      from: addressOf(body.from),
      to: to.map(addressOf),
      headerTo: to.map(addressOf),
      cc: list(body.cc).map(addressOf),
      subject: body.subject,
      text: typeof body.text === 'string' ? body.text : null,
      html: typeof body.html === 'string' ? body.html : null,
      date: now(),
      receivedAt: now(),
      headers: {},
      authUser: null,
      via: 'resend',
    });
    res.json({ id });
  });

  router.post('/postmark/email', (req: Request, res: Response) => {
    const token = req.get('x-postmark-server-token');
    if (!token)
      return void res
        .status(401)
        .json({ ErrorCode: 10, Message: 'No Account or Server API tokens were supplied in the HTTP headers.' });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const to = list(body.To);
    if (typeof body.From !== 'string' || !to.length || !(body.TextBody || body.HtmlBody))
      return void res
        .status(422)
        .json({ ErrorCode: 300, Message: 'Invalid email request: From, To and a body are required.' });
    const id = randomUUID();
    deliver({
      messageId: id,
      from: addressOf(body.From),
      to: to.map(addressOf),
      headerTo: to.map(addressOf),
      cc: list(body.Cc).map(addressOf),
      subject: typeof body.Subject === 'string' ? body.Subject : '',
      text: typeof body.TextBody === 'string' ? body.TextBody : null,
      html: typeof body.HtmlBody === 'string' ? body.HtmlBody : null,
      date: now(),
      receivedAt: now(),
      headers: {},
      authUser: null,
      via: 'postmark',
    });
    res.json({ To: to.join(', '), SubmittedAt: now(), MessageID: id, ErrorCode: 0, Message: 'OK' });
  });
  return router;
}
