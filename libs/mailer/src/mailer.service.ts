import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { createTransport, type Transporter } from 'nodemailer';

/**
 * Why a mail is sent. Transactional mail (everything but `marketing`) is what the service needs
 * to work or what the law or security asks for: it goes whatever the recipient's marketing
 * choice, and carries no unsubscribe link. `marketing` goes only to users who opted in, through
 * `sendMarketing`, with an unsubscribe link and RFC 8058 one-click headers.
 */
export type MailCategory = 'sign_in' | 'security' | 'billing' | 'provisioning' | 'team' | 'marketing';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Transactional kinds only (docs/data-placement.md lists which mail is which). */
  category?: Exclude<MailCategory, 'marketing'>;
}

/** A non-transactional mail to one opted-in user, identified by their unsubscribe token. */
export interface MarketingMail {
  to: string;
  subject: string;
  text: string;
  unsubscribeToken: string;
}

/** Sends plain-text mail over SMTP with nodemailer (the sandbox SMTP catcher in dev and tests). */
@Injectable()
export class MailerService implements OnModuleDestroy {
  private readonly transport: Transporter;

  constructor(@Inject(CONFIG) private readonly config: ControlPlaneConfig) {
    this.transport = createTransport(config.SMTP_URL);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({ from: this.config.MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text });
  }

  /**
   * Marketing mail: an unsubscribe link in the text (a page that works without signing in) and
   * `List-Unsubscribe` + `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), so a mail
   * client's unsubscribe button POSTs to the same URL and the user is out without any page.
   */
  async sendMarketing(mail: MarketingMail): Promise<void> {
    const url = unsubscribeUrl(this.config.PUBLIC_URL, mail.unsubscribeToken);
    await this.transport.sendMail({
      from: this.config.MAIL_FROM,
      to: mail.to,
      subject: mail.subject,
      text: `${mail.text.replace(/\s+$/, '')}\n\n--\nYou get this because you opted in to Enclave product news. Unsubscribe: ${url}\n`,
      headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}

/** The unsubscribe endpoint (apps/api/src/account/unsubscribe.controller.ts) for one token. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  const url = new URL('/api/unsubscribe', publicUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
