import type { ChannelConfig } from '@enclave/node-protocol';
import { ApiKeyEntity } from '@enclave/persistence';
import { type EntityManager, IsNull } from 'typeorm';

/**
 * The workspace's chat API keys that are not revoked, as `api` channels of the node's config:
 * the agent each may use and its settings. The key's hash travels apart, as a secret.
 */
export async function apiKeyChannels(manager: EntityManager, workspaceId: string): Promise<ChannelConfig[]> {
  const keys = await manager.find(ApiKeyEntity, {
    where: { workspaceId, revokedAt: IsNull() },
    order: { createdAt: 'ASC' },
  });
  return keys.map((k) => ({
    id: k.id,
    type: 'api',
    agentId: k.agentId,
    enabled: true,
    api: { history: k.history, limits: { requestsPerMinute: k.requestsPerMinute } },
  }));
}
