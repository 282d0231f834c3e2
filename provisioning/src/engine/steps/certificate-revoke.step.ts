import { Injectable } from '@nestjs/common';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Revokes the node's Origin CA certificate. */
@Injectable()
export class CertificateRevokeStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const node = ctx.node;
    if (!node?.certificateId) return ctx.log('no origin certificate to revoke');
    await this.runtime.originCa.revoke(node.certificateId);
    await this.allocations.updateNode(node.id, { certificateId: null });
    ctx.log(`origin certificate ${node.certificateId} revoked`);
  }
}
