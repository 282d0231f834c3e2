import { Global, Module } from '@nestjs/common';
import { MailerService } from './mailer.service';
import { MarketingMailer } from './marketing-mailer';
import { OwnerNotifier } from './owner-notifier';

/** SMTP, and the owner notices and marketing mail sent over it; needs CONFIG and TypeORM from the app. */
@Global()
@Module({
  providers: [MailerService, OwnerNotifier, MarketingMailer],
  exports: [MailerService, OwnerNotifier, MarketingMailer],
})
export class MailerModule {}
