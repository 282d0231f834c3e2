import { Injectable } from '@nestjs/common';
import { SYSTEM_ACTOR } from '@enclave/audit';
import { dataDirExists, wipeHost } from '../../host/node-host';
import { AllocationStore } from '../allocation-store';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/**
 * Runs wipe.sh over SSH and checks the data directory is gone; the host is released only after
 * this (host-release). Its result is added to the node's wipe receipt.
 */
@Injectable()
export class HostWipeStep implements ProvisioningStep {
  constructor(private readonly allocations: AllocationStore) {}

  async run(ctx: StepContext): Promise<void> {
    const { node, host } = ctx;
    if (!host) return ctx.log('no host allocated: nothing to wipe');
    if (host.status !== 'allocated' && host.status !== 'wiping')
      return ctx.log(`host is ${host.status}: already released`);
    await this.allocations.setHostStatus(host.id, 'wiping');
    host.status = 'wiping';
    const session = await ctx.ssh();
    const { wiped } = await wipeHost(session, host.installRoot);
    if (!wiped || (await dataDirExists(session, host.installRoot)))
      throw new Error(`the data directory ${host.installRoot}/data is still there after the wipe script`);
    ctx.log(`wipe script done; ${host.installRoot}/data verified gone`);
    if (!node) return;
    const receipt = node.wipeReceipt ?? { method: 'wipe-script', nodeId: node.id, wipedAt: new Date().toISOString() };
    const stored = {
      ...receipt,
      hostWipe: { script: 'wipe.sh', dataDirRemoved: true, verifiedAt: new Date().toISOString() },
    };
    node.wipeReceipt = stored;
    await this.allocations.updateNode(
      node.id,
      { wipeReceipt: stored },
      {
        actor: SYSTEM_ACTOR,
        action: 'host.wiped',
        workspaceId: ctx.workspace.id,
        target: { type: 'host', id: host.id },
        details: { nodeId: node.id, nodeReceipt: receipt.method === 'node' },
      },
    );
  }
}
