import type { EmailProvider } from '@enclave/node-protocol';
import { requestJson } from '../http/http-client';
import { OutboundRefused, pinnedAddress, type OutboundPolicy } from '../http/outbound-guard';
import type { MailConfig } from './transcripts-config';

export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

/** Why a mail was not sent; `retryable` failures are tried again later. The code is shown, never the credential. */
export class MailSendError extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(`mail not sent: ${code}`);
    this.name = 'MailSendError';
  }
}

type NodemailerModule = typeof import('nodemailer');

/**
 * Sends through the customer's own provider: an SMTP URL (`smtp://` STARTTLS when offered,
 * `smtps://` TLS; the host checked like any customer-chosen address and the connection pinned
 * to the checked address), or the Resend / Postmark HTTP APIs with an API key.
 */
export async function sendMail(
  provider: EmailProvider,
  credential: string,
  mail: OutgoingMail,
  cfg: MailConfig,
  policy: OutboundPolicy,
): Promise<void> {
  if (provider === 'smtp') return sendSmtp(credential, mail, cfg, policy);
  const res = await (
    provider === 'resend'
      ? requestJson({
          method: 'POST',
          url: `${cfg.resendBaseUrl}/emails`,
          headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
          body: JSON.stringify({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text }),
          timeoutMs: cfg.timeoutMs,
        })
      : requestJson({
          method: 'POST',
          url: `${cfg.postmarkBaseUrl}/email`,
          headers: { 'x-postmark-server-token': credential, 'content-type': 'application/json' },
          body: JSON.stringify({
            From: mail.from,
            To: mail.to.join(', '),
            Subject: mail.subject,
            TextBody: mail.text,
            MessageStream: 'outbound',
          }),
          timeoutMs: cfg.timeoutMs,
        })
  ).catch((err: unknown) => {
    throw new MailSendError(err instanceof Error && 'code' in err ? String(err.code) : 'network_error', true);
  });
  if (res.status >= 200 && res.status < 300) return;
  throw new MailSendError(`${provider}_${res.status}`, res.status >= 500 || res.status === 429);
}

function smtpTarget(credential: string): { url: URL; port: number; secure: boolean } {
  let url: URL;
  try {
    url = new URL(credential);
  } catch {
    throw new MailSendError('smtp_url_invalid', false);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new MailSendError('smtp_url_invalid', false);
  const secure = url.protocol === 'smtps:';
  return { url, port: Number(url.port || (secure ? 465 : 587)), secure };
}

async function sendSmtp(
  credential: string,
  mail: OutgoingMail,
  cfg: MailConfig,
  policy: OutboundPolicy,
): Promise<void> {
  const { url, port, secure } = smtpTarget(credential);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let pinned: { address: string };
  try {
    pinned = await pinnedAddress(new URL(`https://${url.hostname}:${port}`), policy);
  } catch (err) {
    if (err instanceof OutboundRefused) throw new MailSendError(err.reason, err.reason === 'unresolvable_host');
    throw err;
  }
  // Loaded on first use: an idle node never pays for the SMTP client (docs/agent-node.md, footprint).
  const nodemailer = require('nodemailer') as NodemailerModule;
  const transport = nodemailer.createTransport({
    host: pinned.address,
    port,
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    tls: { servername: host },
    connectionTimeout: cfg.timeoutMs,
    greetingTimeout: cfg.timeoutMs,
    socketTimeout: cfg.timeoutMs,
  });
  try {
    await transport.sendMail({ from: mail.from, to: [...mail.to], subject: mail.subject, text: mail.text });
  } catch (err) {
    const e = err as { code?: string; responseCode?: number };
    if (e.code === 'EAUTH') throw new MailSendError('smtp_auth_failed', false);
    if (e.responseCode && e.responseCode >= 500) throw new MailSendError(`smtp_${e.responseCode}`, false);
    throw new MailSendError(e.responseCode ? `smtp_${e.responseCode}` : 'smtp_unreachable', true);
  } finally {
    transport.close();
  }
}
