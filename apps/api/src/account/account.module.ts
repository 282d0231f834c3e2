import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { urlencoded } from 'express';
import { AccountDeletionService } from './account-deletion.service';
import { AccountExportService } from './account-export.service';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { EmailChangeService } from './email-change.service';
import { UnsubscribeController } from './unsubscribe.controller';

/** The user's own privacy rights: account page, email change, data export, deletion, marketing consent. */
@Module({
  controllers: [AccountController, UnsubscribeController],
  providers: [AccountService, EmailChangeService, AccountExportService, AccountDeletionService],
})
export class AccountModule implements NestModule {
  /** RFC 8058 one-click unsubscribe POSTs are form-encoded; only this route parses such bodies. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(urlencoded({ extended: false, limit: '4kb' }))
      .forRoutes({ path: 'unsubscribe', method: RequestMethod.POST });
  }
}
