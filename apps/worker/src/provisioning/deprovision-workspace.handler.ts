import { Injectable } from '@nestjs/common';
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

  constructor(private readonly engine: ProvisioningEngine) {}

  async handle(payload: JobPayloads[JobName.DeprovisionWorkspace], job: Job): Promise<RunOutcome> {
    try {
      return await this.engine.deprovision(payload.workspaceId);
    } catch (error) {
      await this.engine.recordFailure(payload.workspaceId, 'deprovision', error as Error, isFinalAttempt(job, error));
      throw error;
    }
  }
}
