import { Injectable } from '@nestjs/common';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Waits for the node to enrol itself with its one-time token (NodesService stores its public key). */
@Injectable()
export class EnrolStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const nodeId = ctx.requireNode().id;
    const { node, enrolledAt } = await ctx.waitFor(
      'the node to enrol',
      this.runtime.config.PROVISIONING_WAIT_TIMEOUT_MS,
      async () => {
        const fresh = await this.allocations.reloadNode(nodeId);
        return fresh.enrolledAt ? { node: fresh, enrolledAt: fresh.enrolledAt } : undefined;
      },
    );
    ctx.node = node;
    ctx.log(`node ${node.id} enrolled at ${enrolledAt.toISOString()} (public key stored)`);
  }
}
