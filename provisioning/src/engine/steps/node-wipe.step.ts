import { Injectable } from '@nestjs/common';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/**
 * Asks the node to wipe itself (signed POST /v1/wipe) and stores its receipt. A silent node is
 * audited and left to the wipe script (host-wipe): this step never fails the run.
 */
@Injectable()
export class NodeWipeStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
    private readonly audit: AuditService,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const { node, host } = ctx;
    if (!node || !host || node.status === 'wiped') return ctx.log('no live node: nothing to wipe');
    if (node.wipeReceipt) return ctx.log('wipe receipt already stored');
    if (!node.publicKey) return ctx.log('node never enrolled: the wipe script will clean the host');
    try {
      const receipt = await this.runtime
        .nodeClient()
        .wipe(this.runtime.nodeEndpoint(host, ctx.workspace.slug), node.id);
      if (receipt.nodeId !== node.id) throw new Error(`receipt names node ${receipt.nodeId}`);
      const stored = { method: 'node', ...receipt };
      node.wipeReceipt = stored;
      await this.allocations.updateNode(
        node.id,
        { wipeReceipt: stored },
        {
          actor: SYSTEM_ACTOR,
          action: 'node.wiped',
          workspaceId: ctx.workspace.id,
          target: { type: 'node', id: node.id },
          details: {
            method: 'node',
            sha256: receipt.sha256,
            deleted: { ...receipt.deleted, files: receipt.deleted.files.length },
            remaining: receipt.remaining.length,
          },
        },
      );
      ctx.log(
        `node wiped itself: receipt ${receipt.sha256} (${receipt.deleted.conversations} conversations, ${receipt.deleted.messages} messages, ${receipt.deleted.secrets} secrets; ${receipt.remaining.length} files remaining)`,
      );
    } catch (error) {
      ctx.log(`node did not wipe (${(error as Error).message}); the wipe script will do it over SSH`);
      await this.audit.recordAlone({
        actor: SYSTEM_ACTOR,
        action: 'deprovisioning.node_unresponsive',
        workspaceId: ctx.workspace.id,
        target: { type: 'node', id: node.id },
        outcome: 'failure',
        details: { error: (error as Error).message.slice(0, 300) },
      });
    }
  }
}
