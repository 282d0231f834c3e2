import { Global, Module } from '@nestjs/common';
import { MailerService } from './mailer.service';
import { OwnerNotifier } from './owner-notifier';

/** SMTP, and the owner notices sent over it; needs CONFIG and TypeORM from the app. */
@Global()
@Module({ providers: [MailerService, OwnerNotifier], exports: [MailerService, OwnerNotifier] })
export class MailerModule {}
