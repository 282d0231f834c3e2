import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { workspaceOwners } from '@enclave/persistence';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { DataSource } from 'typeorm';
import { MailerService } from './mailer.service';
import { composeOwnerNotice, type OwnerNotice } from './owner-notices';

/** Mails a notice to every owner of its workspace (billing and provisioning both tell customers through it). */
@Injectable()
export class OwnerNotifier {
  private readonly logger = new Logger(OwnerNotifier.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly mailer: MailerService,
  ) {}

  /** Best effort, after the change it describes has committed: a mail outage never undoes that change. */
  async notify(notice: OwnerNotice): Promise<void> {
    const mail = composeOwnerNotice(notice, this.config);
    for (const owner of await workspaceOwners(this.dataSource.manager, notice.workspace.id)) {
      try {
        await this.mailer.send({
          ...mail,
          to: owner.email,
          category: notice.kind.startsWith('provisioning') ? 'provisioning' : 'billing',
        });
      } catch (error) {
        this.logger.warn(
          { err: error, workspaceId: notice.workspace.id, notice: notice.kind },
          'owner notice could not be mailed',
        );
      }
    }
  }
}
