import { createHash } from 'node:crypto';
import type { ControlPlaneConfig } from '@enclave/platform';
import type { EntityManager } from 'typeorm';
import { HostEntity } from '../entities/host.entity';
import { NodeEntity, type NodeStatus } from '../entities/node.entity';
import { WorkspaceEntity } from '../entities/workspace.entity';

export interface LiveNode {
  node: NodeEntity;
  host: HostEntity | null;
  workspace: WorkspaceEntity;
}

/** Every node not wiped yet, with its host and workspace, oldest first — one query (reconciliation, upgrades). */
export async function liveNodes(manager: EntityManager): Promise<LiveNode[]> {
  const rows = (await manager
    .createQueryBuilder(NodeEntity, 'node')
    .innerJoinAndMapOne('node.liveWorkspace', WorkspaceEntity, 'workspace', 'workspace.id = node.workspaceId')
    .leftJoinAndMapOne('node.liveHost', HostEntity, 'host', 'host.id = node.hostId')
    .where('node.status <> :wiped', { wiped: 'wiped' })
    .orderBy('node.createdAt', 'ASC')
    .getMany()) as Array<NodeEntity & { liveWorkspace: WorkspaceEntity; liveHost?: HostEntity | null }>;
  return rows.map(({ liveWorkspace, liveHost, ...columns }) => ({
    node: Object.assign(new NodeEntity(), columns),
    host: liveHost ?? null,
    workspace: liveWorkspace,
  }));
}

/**
 * What Postgres keeps of a node's one-time enrolment token: SHA-256, hex. Provisioning stores
 * it when it writes the token to the host; enrolment hashes the token a node presents the same way.
 */
export function hashEnrolmentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A node's status once its silence is taken into account: silent (no heartbeat, or none since
 * enrolment) longer than PROVISIONING_NODE_OFFLINE_AFTER_MS → offline, longer than
 * PROVISIONING_NODE_DEGRADED_AFTER_MS → degraded;
 * an offline node stays offline until it beats again. A node being installed, never enrolled
 * or wiped has no heartbeat to miss and keeps its status.
 */
export function statusAfterSilence(
  node: Pick<NodeEntity, 'status' | 'lastHeartbeatAt' | 'enrolledAt'>,
  now: number,
  limits: Pick<ControlPlaneConfig, 'PROVISIONING_NODE_DEGRADED_AFTER_MS' | 'PROVISIONING_NODE_OFFLINE_AFTER_MS'>,
): NodeStatus {
  const since = node.lastHeartbeatAt ?? node.enrolledAt;
  if (node.status === 'installing' || node.status === 'wiped' || !since) return node.status;
  const silentMs = now - since.getTime();
  if (silentMs > limits.PROVISIONING_NODE_OFFLINE_AFTER_MS) return 'offline';
  if (silentMs > limits.PROVISIONING_NODE_DEGRADED_AFTER_MS && node.status !== 'offline') return 'degraded';
  return node.status;
}
