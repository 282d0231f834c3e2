import { Injectable } from '@nestjs/common';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Gives the wiped host back (pool) or deletes it (OVHcloud), and marks the node wiped. */
@Injectable()
export class HostReleaseStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const { host, node } = ctx;
    await this.allocations.release(ctx.workspace.id, host, node, host && this.runtime.provider(host.provider));
    ctx.log(host ? `host ${host.name} released (${host.provider})` : 'no host to release');
  }
}
