import type { WebhookDeliveryView, WebhookEndpointView } from './protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNodeCall } from './node-client';

/** The node's webhook routes (agent-node/src/webhooks/webhooks.routes.ts): the delivery log lives there only. */

export interface DeliveryLogPage {
  endpoint: WebhookEndpointView;
  deliveries: WebhookDeliveryView[];
  next: number | null;
}

export const nodeWebhooksKey = (workspaceId: string) => ['node', workspaceId, 'webhooks'] as const;

/** How the node sees each endpoint (disabled by a 410? signing secret present? counts by status). */
export function useNodeEndpoints(workspaceId: string, enabled = true) {
  const call = useNodeCall(workspaceId);
  return useQuery({
    queryKey: [...nodeWebhooksKey(workspaceId), 'endpoints'],
    queryFn: () => call<{ endpoints: WebhookEndpointView[] }>('GET', '/v1/webhooks/endpoints'),
    refetchInterval: 10_000,
    enabled,
  });
}

/** An endpoint's newest deliveries; refreshed every 5 s while one is pending. */
export function useDeliveryLog(workspaceId: string, endpointId: string) {
  const call = useNodeCall(workspaceId);
  return useQuery({
    queryKey: [...nodeWebhooksKey(workspaceId), 'log', endpointId],
    queryFn: () => call<DeliveryLogPage>('GET', `/v1/webhooks/endpoints/${encodeURIComponent(endpointId)}/deliveries`),
    refetchInterval: (query) => (query.state.data?.deliveries.some((d) => d.status === 'pending') ? 5_000 : false),
  });
}

/** Sends a delivery again (same webhook-id); admins only. */
export function useReplay(workspaceId: string) {
  const call = useNodeCall(workspaceId);
  const client = useQueryClient();
  return useMutation({
    mutationFn: (deliveryId: string) =>
      call<{ delivery: WebhookDeliveryView }>(
        'POST',
        `/v1/webhooks/deliveries/${encodeURIComponent(deliveryId)}/replay`,
      ),
    onSettled: () => void client.invalidateQueries({ queryKey: nodeWebhooksKey(workspaceId) }),
  });
}
