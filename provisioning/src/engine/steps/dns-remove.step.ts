import { Injectable } from '@nestjs/common';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Deletes every A/AAAA record named `<slug>.<zone>`. */
@Injectable()
export class DnsRemoveStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
    private readonly audit: AuditService,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const name = this.runtime.nodeHostname(ctx.workspace.slug);
    const removed = await this.runtime.dns.remove(name);
    if (ctx.node) await this.allocations.updateNode(ctx.node.id, { dnsRecordId: null });
    ctx.log(`DNS records named ${name} removed: ${removed}`);
    if (removed === 0) return;
    await this.audit.recordAlone({
      actor: SYSTEM_ACTOR,
      action: 'dns.record_removed',
      workspaceId: ctx.workspace.id,
      target: { type: 'dns_name', id: name },
      details: { removed },
    });
  }
}
