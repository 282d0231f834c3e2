import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { OwnerNotifier } from '@enclave/mailer';
import { BillingSubscriptionEntity, PAID_SUBSCRIPTION_STATUSES, type WorkspaceEntity } from '@enclave/persistence';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';
import type { Job } from 'bullmq';
import { DataSource, In } from 'typeorm';
import { lockBillingState } from './billing-locks';

export type GraceExpiredResult = { outcome: 'suspended' } | { outcome: 'skipped'; reason: string };

const ACTOR: AuditActor = { type: 'system', id: `job:${JobName.BillingGraceExpired}` };

/**
 * Delayed job started when a workspace became past due. When it runs it re-checks, under
 * lock, that the workspace is still past due, its grace period is over and no subscription
 * is paid; only then is the workspace suspended (status + audit event) and its owners told.
 * Running it twice, late, or after the payment recovered changes nothing.
 *
 * Stopping the agent node itself belongs to the node protocol, which acts on the
 * `suspended` status (docs/billing.md, "Suspension and the node").
 */
@Injectable()
export class BillingGraceExpiredHandler implements JobHandler<JobName.BillingGraceExpired> {
  readonly jobName = JobName.BillingGraceExpired;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly notifier: OwnerNotifier,
  ) {}

  async handle(payload: JobPayloads[JobName.BillingGraceExpired], job?: Job): Promise<GraceExpiredResult> {
    const { workspaceId } = payload;
    const result = await this.dataSource.transaction(
      async (manager): Promise<{ result: GraceExpiredResult; workspace?: WorkspaceEntity }> => {
        const locked = await lockBillingState(manager, workspaceId);
        if (!locked) return { result: { outcome: 'skipped', reason: 'no such workspace or billing account' } };
        const { account, workspace } = locked;
        if (workspace.status !== 'past_due')
          return { result: { outcome: 'skipped', reason: `workspace is ${workspace.status}` } };
        if (!account.graceEndsAt || account.graceEndsAt.getTime() > Date.now())
          return { result: { outcome: 'skipped', reason: 'grace period not over' } };
        if (
          await manager.existsBy(BillingSubscriptionEntity, {
            workspaceId,
            status: In([...PAID_SUBSCRIPTION_STATUSES]),
          })
        ) {
          return { result: { outcome: 'skipped', reason: 'a subscription is paid' } };
        }
        const graceEndedAt = account.graceEndsAt;
        workspace.status = 'suspended';
        account.graceEndsAt = null;
        await manager.save(workspace);
        await manager.save(account);
        await this.audit.record(manager, {
          actor: ACTOR,
          action: 'workspace.status_changed',
          workspaceId,
          target: { type: 'workspace', id: workspaceId },
          details: {
            from: 'past_due',
            to: 'suspended',
            reason: 'grace_period_over',
            graceEndedAt: graceEndedAt.toISOString(),
            subscriptionId: payload.subscriptionId,
            invoiceId: payload.invoiceId,
            jobId: job?.id ?? null,
          },
        });
        return { result: { outcome: 'suspended' }, workspace };
      },
    );
    if (result.result.outcome === 'suspended' && result.workspace)
      await this.notifier.notify({ kind: 'suspended', workspace: result.workspace });
    return result.result;
  }
}
