import { Logger } from '@nestjs/common';
import type { MailerService, OutgoingMail } from '@enclave/mailer';
import { MembershipEntity, UserEntity } from '@enclave/persistence';
import type { DataSource } from 'typeorm';

const logger = new Logger('BillingMail');

/** Mails every owner of the workspace; best effort, after the change it describes has committed. */
export async function mailOwners(
  dataSource: DataSource,
  mailer: MailerService,
  workspaceId: string,
  mail: Omit<OutgoingMail, 'to'>,
): Promise<void> {
  const owners = await dataSource
    .getRepository(UserEntity)
    .createQueryBuilder('u')
    .innerJoin(MembershipEntity, 'm', 'm.user_id = u.id AND m.workspace_id = :workspaceId AND m.role = :role', {
      workspaceId,
      role: 'owner',
    })
    .getMany();
  for (const owner of owners) {
    try {
      await mailer.send({ ...mail, to: owner.email });
    } catch (error) {
      logger.warn({ err: error, workspaceId }, 'billing notice could not be mailed');
    }
  }
}

export function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
