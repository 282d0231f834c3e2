import { Injectable } from '@nestjs/common';
import { FleetUpgrader } from '@enclave/provisioning';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';

/** Runs a staff-requested rolling upgrade (resumable: nodes already done are skipped). */
@Injectable()
export class UpgradeFleetHandler implements JobHandler<JobName.UpgradeFleet> {
  readonly jobName = JobName.UpgradeFleet;

  constructor(private readonly upgrader: FleetUpgrader) {}

  async handle(payload: JobPayloads[JobName.UpgradeFleet]): Promise<{ status: string; results: number }> {
    const upgrade = await this.upgrader.run(payload.upgradeId);
    return { status: upgrade.status, results: upgrade.results.length };
  }
}
