import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditRecord, AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import { HostEntity, type HostStatus, type LiveNode, liveNodes, lockWorkspace, NodeEntity } from '@enclave/persistence';
import { DataSource, Not } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { type HostProvider, NoHostAvailableError } from '../hosts/host-provider';

/** The host and node rows a workspace's runs work on: found, allocated, updated, released. */
@Injectable()
export class AllocationStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The workspace's host and its newest node that is not wiped (either may be missing). */
  async load(workspaceId: string): Promise<{ host?: HostEntity; node?: NodeEntity }> {
    const hosts = this.dataSource.getRepository(HostEntity);
    const node =
      (await this.dataSource.getRepository(NodeEntity).findOne({
        where: { workspaceId, status: Not('wiped') },
        order: { createdAt: 'DESC' },
      })) ?? undefined;
    const host =
      (await hosts.findOneBy({ workspaceId })) ??
      (node?.hostId ? await hosts.findOneBy({ id: node.hostId }) : null) ??
      undefined;
    return { host, node };
  }

  /**
   * The workspace's host (taken from `provider` if it has none) and live node (created if
   * missing), under the workspace row lock so allocation happens once per workspace while
   * providers take hosts with SKIP LOCKED.
   */
  allocate(
    workspaceId: string,
    provider: HostProvider,
  ): Promise<{ host: HostEntity; node: NodeEntity; created: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      await lockWorkspace(manager, workspaceId, { includeDeleted: true });
      const existingHost = await manager.findOneBy(HostEntity, { workspaceId });
      const host = existingHost ?? (await provider.allocate(manager, workspaceId));
      if (!host) throw new NoHostAvailableError(provider.name);
      const node =
        (await manager.findOneBy(NodeEntity, { workspaceId, status: Not('wiped') })) ??
        (await manager.save(
          NodeEntity,
          manager.create(NodeEntity, { workspaceId, hostId: host.id, status: 'installing' }),
        ));
      if (!existingHost) {
        await this.audit.record(manager, {
          actor: SYSTEM_ACTOR,
          action: 'provisioning.host_allocated',
          workspaceId,
          target: { type: 'host', id: host.id },
          details: { provider: host.provider, host: host.name, nodeId: node.id },
        });
      }
      return { host, node, created: !existingHost };
    });
  }

  /** Writes `changes` to the node row; with `event`, in one transaction with that audit event. */
  async updateNode(nodeId: string, changes: QueryDeepPartialEntity<NodeEntity>, event?: AuditRecord): Promise<void> {
    if (!event) {
      await this.dataSource.getRepository(NodeEntity).update({ id: nodeId }, changes);
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.update(NodeEntity, { id: nodeId }, changes);
      await this.audit.record(manager, event);
    });
  }

  /** Every node not wiped yet, with its host and workspace (reconciliation, upgrades). */
  liveNodes(): Promise<LiveNode[]> {
    return liveNodes(this.dataSource.manager);
  }

  /** The node row as it is now (heartbeats and enrolment change it from the API). */
  reloadNode(nodeId: string): Promise<NodeEntity> {
    return this.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: nodeId });
  }

  async setHostStatus(hostId: string, status: HostStatus): Promise<void> {
    await this.dataSource.getRepository(HostEntity).update({ id: hostId }, { status });
  }

  /** Releases a wiped host through its provider (audited) and marks the node wiped, in one transaction. */
  async release(
    workspaceId: string,
    host: HostEntity | undefined,
    node: NodeEntity | undefined,
    provider: HostProvider | undefined,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (host && provider && (host.status === 'wiping' || host.status === 'allocated')) {
        await provider.release(manager, host);
        await this.audit.record(manager, {
          actor: SYSTEM_ACTOR,
          action: 'host.released',
          workspaceId,
          target: { type: 'host', id: host.id },
          details: { provider: host.provider },
        });
      }
      if (node && node.status !== 'wiped')
        await manager.update(
          NodeEntity,
          { id: node.id },
          { status: 'wiped', wipedAt: new Date(), enrolmentTokenHash: null },
        );
    });
  }
}
