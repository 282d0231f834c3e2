import { HostEntity } from '@enclave/persistence';
import type { EntityManager } from 'typeorm';
import type { HostProvider } from './host-provider';

/**
 * Hosts registered by staff (address, SSH port, user, pinned host key). Allocation takes the
 * oldest free host under a row lock, skipping rows another transaction holds
 * (`FOR UPDATE SKIP LOCKED`), so concurrent provisionings never take the same host.
 */
export class PoolHostProvider implements HostProvider {
  readonly name = 'pool' as const;

  async allocate(manager: EntityManager, workspaceId: string): Promise<HostEntity | null> {
    const mine = await manager.findOneBy(HostEntity, { workspaceId });
    if (mine) return mine;
    const rows = (await manager.query(
      `SELECT id FROM hosts WHERE status = 'free' AND provider = 'pool' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    )) as Array<{ id: string }>;
    if (rows.length === 0) return null;
    await manager.update(HostEntity, { id: rows[0].id }, { status: 'allocated', workspaceId });
    return manager.findOneByOrFail(HostEntity, { id: rows[0].id });
  }

  async waitUntilReady(host: HostEntity): Promise<HostEntity> {
    return host;
  }

  async release(manager: EntityManager, host: HostEntity): Promise<void> {
    await manager.update(HostEntity, { id: host.id }, { status: 'free', workspaceId: null });
  }
}
