import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { BillingSubscriptionEntity, LIVE_SUBSCRIPTION_STATUSES } from '@enclave/persistence';
import { JOB_IDS, type JobHandler, JobName, type JobPayloads, QueueService } from '@enclave/queue';
import type { Job } from 'bullmq';
import { DataSource, In } from 'typeorm';
import { lockBillingState } from './billing-locks';

export type DeprovisionDueResult =
  { outcome: 'deprovision_requested'; jobId: string } | { outcome: 'skipped'; reason: string };

const ACTOR: AuditActor = { type: 'system', id: `job:${JobName.BillingDeprovisionDue}` };

/**
 * Delayed job started when a subscription was canceled. When it runs it re-checks, under
 * lock, that the workspace is still canceled, the delay is over and nothing was resubscribed;
 * only then does it mark the workspace `deprovisioning` and enqueue JobName.DeprovisionWorkspace
 * (the provisioning engine's job, deterministic id). Resubscribing before it runs clears the
 * delay, so it then does nothing.
 */
@Injectable()
export class BillingDeprovisionDueHandler implements JobHandler<JobName.BillingDeprovisionDue> {
  readonly jobName = JobName.BillingDeprovisionDue;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly queues: QueueService,
  ) {}

  async handle(payload: JobPayloads[JobName.BillingDeprovisionDue], job?: Job): Promise<DeprovisionDueResult> {
    const { workspaceId } = payload;
    return this.dataSource.transaction(async (manager): Promise<DeprovisionDueResult> => {
      const locked = await lockBillingState(manager, workspaceId);
      if (!locked) return { outcome: 'skipped', reason: 'no such workspace or billing account' };
      const { account, workspace } = locked;
      if (workspace.status !== 'canceled') return { outcome: 'skipped', reason: `workspace is ${workspace.status}` };
      if (!account.deprovisionAt || account.deprovisionAt.getTime() > Date.now())
        return { outcome: 'skipped', reason: 'deprovisioning delay not over' };
      if (
        await manager.existsBy(BillingSubscriptionEntity, { workspaceId, status: In([...LIVE_SUBSCRIPTION_STATUSES]) })
      ) {
        return { outcome: 'skipped', reason: 'a subscription is live again' };
      }
      const jobId = JOB_IDS.deprovisionWorkspace(workspaceId);
      // In the outbox, in this transaction: the job exists exactly when the status change does.
      await this.queues.requeue(manager, JobName.DeprovisionWorkspace, { workspaceId }, { jobId });
      const dueAt = account.deprovisionAt;
      workspace.status = 'deprovisioning';
      account.deprovisionAt = null;
      await manager.save(workspace);
      await manager.save(account);
      await this.audit.record(manager, {
        actor: ACTOR,
        action: 'workspace.status_changed',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: {
          from: 'canceled',
          to: 'deprovisioning',
          reason: 'canceled_subscription_delay_over',
          dueAt: dueAt.toISOString(),
          subscriptionId: payload.subscriptionId,
          deprovisionJobId: jobId,
          jobId: job?.id ?? null,
        },
      });
      return { outcome: 'deprovision_requested', jobId };
    });
  }
}
