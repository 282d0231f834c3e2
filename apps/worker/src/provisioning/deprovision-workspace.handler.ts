import { Injectable, Logger } from '@nestjs/common';
import { scrubSecrets } from '@enclave/platform';
import { ProvisioningEngine, type RunOutcome } from '@enclave/provisioning';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';
import type { Job } from 'bullmq';
import { isFinalAttempt } from './provision-workspace.handler';

/**
 * Wipes a workspace's node (signed wipe, else the wipe script over SSH), removes its DNS
 * record and certificate, and releases the host only once the wipe is verified.
 */
@Injectable()
export class DeprovisionWorkspaceHandler implements JobHandler<JobName.DeprovisionWorkspace> {
  readonly jobName = JobName.DeprovisionWorkspace;

  private readonly logger = new Logger('DeprovisionWorkspace');

  constructor(private readonly engine: ProvisioningEngine) {}

  async handle(payload: JobPayloads[JobName.DeprovisionWorkspace], job: Job): Promise<RunOutcome> {
    try {
      return await this.engine.deprovision(payload.workspaceId);
    } catch (error) {
      const final = isFinalAttempt(job, error);
      this.logger.warn(
        {
          workspaceId: payload.workspaceId,
          attempt: job.attemptsMade + 1,
          final,
          error: scrubSecrets((error as Error).message),
        },
        'deprovision attempt failed',
      );
      await this.engine.recordFailure(payload.workspaceId, 'deprovision', error as Error, final);
      throw error;
    }
  }
}
