import { Injectable, Logger } from '@nestjs/common';
import { scrubSecrets } from '@enclave/platform';
import { ProvisioningEngine, type RunOutcome } from '@enclave/provisioning';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';
import { type Job, UnrecoverableError } from 'bullmq';

/** True when BullMQ will not try this job again after the current failure. */
export function isFinalAttempt(job: Job, error: unknown): boolean {
  return error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Runs (or resumes) the provisioning step machine of one workspace. Job id
 * `provision.<workspaceId>`: a duplicate enqueue is a no-op. Retries with exponential
 * backoff; after the last attempt the workspace is `provisioning_failed`, the owners are
 * mailed and staff see the audit event (and can retry from the staff API).
 */
@Injectable()
export class ProvisionWorkspaceHandler implements JobHandler<JobName.ProvisionWorkspace> {
  readonly jobName = JobName.ProvisionWorkspace;

  private readonly logger = new Logger('ProvisionWorkspace');

  constructor(private readonly engine: ProvisioningEngine) {}

  async handle(payload: JobPayloads[JobName.ProvisionWorkspace], job: Job): Promise<RunOutcome> {
    try {
      return await this.engine.provision(payload.workspaceId);
    } catch (error) {
      const final = isFinalAttempt(job, error);
      this.logger.warn(
        {
          workspaceId: payload.workspaceId,
          attempt: job.attemptsMade + 1,
          final,
          error: scrubSecrets((error as Error).message),
        },
        'provision attempt failed',
      );
      await this.engine.recordFailure(payload.workspaceId, 'provision', error as Error, final);
      throw error;
    }
  }
}
