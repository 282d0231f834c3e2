import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { MailerService } from '@enclave/mailer';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { MembershipEntity, UserEntity, type WorkspaceEntity } from '@enclave/persistence';
import { DataSource } from 'typeorm';

export type BillingNotice =
  | { kind: 'payment_failed'; workspace: WorkspaceEntity; graceEndsAt: Date }
  | { kind: 'canceled'; workspace: WorkspaceEntity; deprovisionAt: Date };

/** Mails a workspace's owners what happened to their subscription, what happens next and when. */
@Injectable()
export class BillingNotifier {
  private readonly logger = new Logger(BillingNotifier.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly mailer: MailerService,
  ) {}

  /** Best effort, after the change is committed: a mail outage never undoes a billing change. */
  async send(notice: BillingNotice): Promise<void> {
    const { subject, text } = this.compose(notice);
    const owners = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .innerJoin(MembershipEntity, 'm', 'm.user_id = u.id AND m.workspace_id = :workspaceId AND m.role = :role', {
        workspaceId: notice.workspace.id,
        role: 'owner',
      })
      .getMany();
    for (const owner of owners) {
      try {
        await this.mailer.send({ to: owner.email, subject, text });
      } catch (error) {
        this.logger.warn(
          { err: error, workspaceId: notice.workspace.id, notice: notice.kind },
          'billing notice could not be mailed',
        );
      }
    }
  }

  private compose(notice: BillingNotice): { subject: string; text: string } {
    const name = notice.workspace.name;
    const billingUrl = `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/workspaces/${notice.workspace.id}/billing`;
    if (notice.kind === 'payment_failed') {
      const when = utc(notice.graceEndsAt);
      return {
        subject: `Payment failed for ${name} on Enclave`,
        text:
          `We could not collect the latest payment for the workspace "${name}".\n\n` +
          `Your workspace keeps running until ${when}. Stripe will retry the payment; if it has not succeeded by then, ` +
          `the workspace will be suspended: your agents stop answering, and your data stays on your server.\n\n` +
          `To fix it now, update your card or pay the open invoice from the billing page: ${billingUrl}`,
      };
    }
    const when = utc(notice.deprovisionAt);
    return {
      subject: `Subscription canceled for ${name} on Enclave`,
      text:
        `The subscription of the workspace "${name}" was canceled.\n\n` +
        `On ${when} its server will be deprovisioned: the server and all conversation data on it will be erased for good. ` +
        `Export your data before then if you want to keep it.\n\n` +
        `Changed your mind? Subscribe again before ${when} from the billing page and nothing is erased: ${billingUrl}`,
    };
  }
}

export function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
