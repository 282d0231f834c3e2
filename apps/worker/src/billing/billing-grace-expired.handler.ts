import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { MailerService } from '@enclave/mailer';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { BillingSubscriptionEntity, WorkspaceEntity } from '@enclave/persistence';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';
import type { Job } from 'bullmq';
import { DataSource, In } from 'typeorm';
import { lockBillingState } from './billing-locks';
import { mailOwners } from './billing-owner-mail';

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
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
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
        if (await manager.existsBy(BillingSubscriptionEntity, { workspaceId, status: In(['active', 'trialing']) })) {
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
    if (result.result.outcome === 'suspended' && result.workspace) {
      const name = result.workspace.name;
      await mailOwners(this.dataSource, this.mailer, workspaceId, {
        subject: `${name} is suspended on Enclave`,
        text:
          `The workspace "${name}" is suspended because its payment failed and the ${this.config.BILLING_GRACE_DAYS}-day grace period is over.\n\n` +
          `Your agents no longer answer. Your data is kept on your server, untouched.\n\n` +
          `Pay the open invoice or update your card from the billing page and the workspace resumes at once: ` +
          `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/workspaces/${workspaceId}/billing\n\n` +
          `If the subscription ends unpaid, Stripe cancels it; the server and its data are then erased ${this.config.BILLING_DEPROVISION_DELAY_HOURS} hours later.`,
      });
    }
    return result.result;
  }
}
