import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { MailerService } from '@enclave/mailer';
import { domainError } from '@enclave/platform';
import { eraseAccountData, soleOwnedWorkspaces, UserEntity } from '@enclave/persistence';
import { DataSource } from 'typeorm';
import { ACCOUNT_ERRORS } from './account.errors';

/**
 * "Delete my account". Refused while the user is the only owner of a workspace that still
 * exists. Otherwise, in one transaction: personal data erased (eraseAccountData), every session
 * gone, and one `account.deleted` audit event. Audit events are never rewritten: they keep the
 * user's id, which from then on names nobody (the user row is a tombstone).
 */
@Injectable()
export class AccountDeletionService {
  private readonly logger = new Logger(AccountDeletionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
  ) {}

  async delete(userId: string, confirmEmail: string, actor: AuditActor): Promise<void> {
    const address = await this.dataSource.transaction(async (manager) => {
      const user = await manager.findOne(UserEntity, { where: { id: userId }, lock: { mode: 'pessimistic_write' } });
      if (!user || user.deletedAt) throw domainError(ACCOUNT_ERRORS.confirmationMismatch);
      if (confirmEmail !== user.email) throw domainError(ACCOUNT_ERRORS.confirmationMismatch);
      const blocking = await soleOwnedWorkspaces(manager, userId);
      if (blocking.length)
        throw domainError(ACCOUNT_ERRORS.soleOwner, {
          details: { workspaces: blocking.map((workspace) => ({ id: workspace.id, name: workspace.name })) },
        });
      const erased = await eraseAccountData(manager, userId);
      await this.audit.record(manager, {
        actor: { ...actor, type: 'user', id: userId },
        action: 'account.deleted',
        target: { type: 'user', id: userId },
        details: erased,
      });
      return user.email;
    });
    // A security notice to the address that just stopped existing here; after the commit, best effort.
    try {
      await this.mailer.send({
        to: address,
        category: 'security',
        subject: 'Your Enclave account was deleted',
        text:
          'Your Enclave account was deleted as you asked: your profile, sign-in methods and sessions are erased.\n\n' +
          'Billing records that the law requires us to keep stay with the workspaces they belong to; see our privacy policy.\n',
      });
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'account deletion notice could not be mailed');
    }
  }
}
