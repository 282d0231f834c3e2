import { Injectable } from '@nestjs/common';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Takes a host from the configured provider and creates the node row; an allocated host and live node are kept. */
@Injectable()
export class AllocateStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const { host, node, created } = await this.allocations.allocate(ctx.workspace.id, this.runtime.provider());
    ctx.host = host;
    ctx.node = node;
    ctx.log(
      `${created ? 'allocated' : 'already holds'} host ${host.name} (${host.provider}, ${host.address}); node ${node.id}`,
    );
  }
}
