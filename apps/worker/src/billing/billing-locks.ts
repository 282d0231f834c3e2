import { BillingAccountEntity, lockWorkspace, type WorkspaceEntity } from '@enclave/persistence';
import type { EntityManager } from 'typeorm';

/**
 * Locks a workspace's billing account, then the workspace (always in this order, as the
 * Stripe webhook does), so a delayed billing job re-checks state no webhook can change under it.
 * Undefined when either row is missing.
 */
export async function lockBillingState(
  manager: EntityManager,
  workspaceId: string,
): Promise<{ account: BillingAccountEntity; workspace: WorkspaceEntity } | undefined> {
  const account = await manager
    .createQueryBuilder(BillingAccountEntity, 'a')
    .setLock('pessimistic_write')
    .where('a.workspace_id = :workspaceId', { workspaceId })
    .getOne();
  const workspace = await lockWorkspace(manager, workspaceId, { includeDeleted: true });
  return account && workspace ? { account, workspace } : undefined;
}
