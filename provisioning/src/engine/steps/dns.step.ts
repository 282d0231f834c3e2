import { Injectable } from '@nestjs/common';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Points `<slug>.<zone>` (proxied) at the host: looked up by name first, so never a duplicate. */
@Injectable()
export class DnsStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
    private readonly audit: AuditService,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const name = this.runtime.nodeHostname(ctx.workspace.slug);
    const { record, action } = await this.runtime.dns.upsert(name, ctx.requireHost().address);
    await this.allocations.updateNode(ctx.requireNode().id, { dnsRecordId: record.id });
    ctx.log(`DNS ${record.type} ${name} -> ${record.content} (proxied) ${action}, record ${record.id}`);
    if (action === 'unchanged') return;
    await this.audit.recordAlone({
      actor: SYSTEM_ACTOR,
      action: 'dns.record_upserted',
      workspaceId: ctx.workspace.id,
      target: { type: 'dns_record', id: record.id },
      details: { name, type: record.type, action },
    });
  }
}
