import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { createTransport, type Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
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

  onModuleDestroy(): void {
    this.transport.close();
  }
}
