import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UserEntity } from '@enclave/persistence';
import { DataSource, IsNull, MoreThan, Not } from 'typeorm';
import { MailerService } from './mailer.service';

/**
 * Product news to the users who opted in (and only them; the choice is read at send time, so an
 * unsubscribe takes effect for the next mail at once). Run by `apps/api/src/cli/marketing-send.ts`.
 */
@Injectable()
export class MarketingMailer {
  private readonly logger = new Logger(MarketingMailer.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mailer: MailerService,
  ) {}

  async sendToOptedIn(subject: string, text: string): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.dataSource.getRepository(UserEntity).find({
        where: { marketingOptIn: true, deletedAt: IsNull(), unsubscribeToken: Not(IsNull()), id: MoreThan(after) },
        order: { id: 'ASC' },
        take: 500,
      });
      if (!batch.length) return { sent, failed };
      for (const user of batch) {
        try {
          await this.mailer.sendMarketing({ to: user.email, subject, text, unsubscribeToken: user.unsubscribeToken! });
          sent += 1;
        } catch (error) {
          failed += 1;
          this.logger.warn({ err: error, userId: user.id }, 'marketing mail could not be sent');
        }
      }
      after = batch[batch.length - 1].id;
    }
  }
}
