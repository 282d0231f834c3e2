import type { AddressInfo } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
import { Router } from 'express';
import { SMTPServer } from 'smtp-server';
import type { StandIn } from '../sandbox';
import { mailApiRoutes } from './mail-apis';

/**
 * SMTP catcher: an SMTP server (no TLS, optional AUTH accepting anything: dev only) keeping every message in memory,
 * read back over HTTP.
 *
 *   GET    /mail/_info                 {smtpHost, smtpPort, count}
 *   GET    /mail/messages?to=&subject= newest first; `to` matches envelope or header recipients
 *   GET    /mail/messages/:id
 *   GET    /mail/messages/:id/raw      the message source (message/rfc822)
 *   DELETE /mail/messages              empty the box
 *   POST   /mail/resend/emails, /mail/postmark/email   the providers' sending APIs (mail-apis.ts)
 */

export interface MailStandInOptions {
  /** 0 picks a free port; read it back from `smtpPort` or GET /mail/_info. */
  readonly smtpPort: number;
  readonly smtpHost?: string;
  /** Oldest messages are dropped beyond this many. */
  readonly maxMessages?: number;
  /** Largest accepted message in bytes. */
  readonly maxMessageBytes?: number;
}

export interface CaughtMessage {
  id: string;
  messageId: string | null;
  from: string | null;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** Recipients as written in the To / Cc headers. */
  headerTo: string[];
  cc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  date: string;
  receivedAt: string;
  headers: Record<string, string>;
  /** The SMTP AUTH user name the sender logged in with (never the password); null without AUTH. */
  authUser: string | null;
  /** How it arrived: SMTP, or the Resend / Postmark sending API (mail-apis.ts). */
  via: 'smtp' | 'resend' | 'postmark';
}

export interface MailStandIn extends StandIn {
  /** The port actually bound, once started. */
  readonly smtpPort: number;
  readonly messages: () => readonly CaughtMessage[];
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '').filter(Boolean));
}

export function mailStandIn(options: MailStandInOptions): MailStandIn {
  const host = options.smtpHost ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 1000;
  const maxBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
  const messages: CaughtMessage[] = [];
  const raws = new Map<string, Buffer>();
  let seq = 0;
  let boundPort = options.smtpPort;

  const server = new SMTPServer({
    // Dev catcher: no TLS; AUTH is optional and any credentials are accepted (and not kept).
    authOptional: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    logger: false,
    banner: 'Enclave sandbox SMTP catcher',
    size: maxBytes,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
      });
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded || size > maxBytes) {
          const err = new Error('Message exceeds fixed maximum message size') as Error & { responseCode: number };
          err.responseCode = 552;
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const id = `msg_${String(++seq).padStart(6, '0')}`;
            const headers: Record<string, string> = {};
            for (const line of parsed.headerLines)
              headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
            const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
            messages.push({
              id,
              messageId: parsed.messageId ?? null,
              from: addresses(parsed.from)[0] ?? envelopeFrom,
              to: session.envelope.rcptTo.map((r) => r.address),
              headerTo: addresses(parsed.to),
              cc: addresses(parsed.cc),
              subject: parsed.subject ?? '',
              text: parsed.text ?? null,
              html: typeof parsed.html === 'string' ? parsed.html : null,
              date: (parsed.date ?? new Date()).toISOString(),
              receivedAt: new Date().toISOString(),
              headers,
              authUser: typeof session.user === 'string' ? session.user : null,
              via: 'smtp',
            });
            raws.set(id, raw);
            while (messages.length > maxMessages) raws.delete(messages.shift()?.id ?? '');
            callback(null, `Queued as ${id}`);
          })
          .catch((error: unknown) => {
            const err = new Error(`Could not parse message: ${(error as Error).message}`) as Error & {
              responseCode: number;
            };
            err.responseCode = 554;
            callback(err);
          });
      });
    },
  });
  server.on('error', () => undefined); // per-connection errors must not crash the sandbox

  const find = (id: string) => messages.find((m) => m.id === id);

  return {
    prefix: '/mail',
    get smtpPort() {
      return boundPort;
    },
    messages: () => messages,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(options.smtpPort, host, () => {
          server.server.off('error', reject);
          boundPort = (server.server.address() as AddressInfo).port;
          resolve();
        });
      });
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    router: () => {
      const router = Router();
      router.get('/_info', (_req, res) => {
        res.json({ smtpHost: host, smtpPort: boundPort, count: messages.length });
      });
      router.get('/messages', (req, res) => {
        const to = typeof req.query.to === 'string' ? req.query.to.toLowerCase() : undefined;
        const subject = typeof req.query.subject === 'string' ? req.query.subject.toLowerCase() : undefined;
        const list = messages
          .filter((m) => !to || [...m.to, ...m.headerTo, ...m.cc].some((a) => a.toLowerCase() === to))
          .filter((m) => !subject || m.subject.toLowerCase().includes(subject))
          .slice()
          .reverse();
        res.json(list);
      });
      router.get('/messages/:id', (req, res) => {
        const message = find(req.params.id);
        if (!message) {
          res.status(404).json({ error: 'not_found', message: `No message ${req.params.id}` });
          return;
        }
        res.json(message);
      });
      router.get('/messages/:id/raw', (req, res) => {
        const raw = raws.get(req.params.id);
        if (!raw) {
          res.status(404).json({ error: 'not_found', message: `No message ${req.params.id}` });
          return;
        }
        res.type('message/rfc822').send(raw);
      });
      router.use(
        mailApiRoutes((message) => {
          const id = `msg_${String(++seq).padStart(6, '0')}`;
          messages.push({ id, ...message });
          while (messages.length > maxMessages) raws.delete(messages.shift()?.id ?? '');
          return id;
        }),
      );
      router.delete('/messages', (_req, res) => {
        const deleted = messages.length;
        messages.length = 0;
        raws.clear();
        res.json({ deleted });
      });
      router.use((_req, res) => {
        res.status(404).json({ error: 'not_found', message: 'Unknown mail endpoint' });
      });
      return router;
    },
  };
}
