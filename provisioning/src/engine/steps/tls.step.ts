import { Injectable } from '@nestjs/common';
import { createNodeCsr, installedCertificate, installNodeCertificate } from '../../host/node-host';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/**
 * Has the host make a key and CSR (the key never leaves it), gets an Origin CA certificate for
 * `<slug>.<zone>` and turns HTTPS on; a certificate already installed and recorded is reused.
 */
@Injectable()
export class TlsStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const host = ctx.requireHost();
    const node = ctx.requireNode();
    const session = await ctx.ssh();
    const listen = { host: '0.0.0.0', port: host.publicPort };
    const hostname = this.runtime.nodeHostname(ctx.workspace.slug);
    const existing = await installedCertificate(session, host.installRoot);
    if (existing && node.certificateId) {
      ctx.log(`origin certificate ${node.certificateId} already installed`);
      await installNodeCertificate(session, host.installRoot, existing, listen);
      return;
    }
    const csr = await createNodeCsr(session, host.installRoot, hostname);
    const issued = await this.runtime.originCa.issue(csr, [hostname]);
    // Record the id before installing, so a crash here leaves nothing unrevokable behind.
    const previous = node.certificateId;
    node.certificateId = issued.id;
    await this.allocations.updateNode(node.id, {
      certificateId: issued.id,
      certificateExpiresAt: issued.expiresOn ? new Date(issued.expiresOn) : null,
    });
    if (previous && previous !== issued.id) await this.runtime.originCa.revoke(previous).catch(() => undefined);
    await installNodeCertificate(session, host.installRoot, issued.certificate, listen);
    ctx.log(
      `origin certificate ${issued.id} issued for ${hostname} (expires ${issued.expiresOn ?? 'unknown'}); key generated on the host, HTTPS on port ${host.publicPort}`,
    );
  }
}
