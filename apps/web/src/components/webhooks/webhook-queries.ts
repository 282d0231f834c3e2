import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../api/client';
import { nodeWebhooksKey } from '../../node/webhooks-api';

export type WebhookEndpoint = Schemas['WebhookEndpointDto'];
export type WebhookEndpointResult = Schemas['WebhookEndpointResultDto'];
export type TranscriptSettings = NonNullable<Schemas['TranscriptSettingsDto']['transcripts']>;
export type TranscriptSettingsInput = Schemas['PutTranscriptSettingsDto'];
export type EndpointInput = Schemas['CreateWebhookEndpointDto'];

const path = (id: string) => ({ params: { path: { id } } });
export const webhookKeys = {
  endpoints: (id: string) => ['workspaces', id, 'webhooks'] as const,
  transcripts: (id: string) => ['workspaces', id, 'transcripts'] as const,
};

/** Endpoints as the control plane configures them (URL, events, enabled, signing secret's mask). */
export function useWebhookEndpoints(workspaceId: string) {
  return useQuery({
    queryKey: webhookKeys.endpoints(workspaceId),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/webhooks', path(workspaceId))),
  });
}

/** Create, change, rotate or delete; each refreshes both the control plane's list and the node's view. */
export function useEndpointMutations(workspaceId: string) {
  const client = useQueryClient();
  const onSettled = () => {
    void client.invalidateQueries({ queryKey: webhookKeys.endpoints(workspaceId) });
    void client.invalidateQueries({ queryKey: nodeWebhooksKey(workspaceId) });
  };
  const endpoint = (endpointId: string) => ({ params: { path: { id: workspaceId, endpointId } } });
  return {
    create: useMutation({
      mutationFn: (body: EndpointInput) =>
        unwrap(api.POST('/api/workspaces/{id}/webhooks', { ...path(workspaceId), body })),
      onSettled,
    }),
    update: useMutation({
      mutationFn: ({
        endpointId,
        ...body
      }: {
        endpointId: string;
        enabled?: boolean;
        events?: EndpointInput['events'];
      }) => unwrap(api.PATCH('/api/workspaces/{id}/webhooks/{endpointId}', { ...endpoint(endpointId), body })),
      onSettled,
    }),
    rotate: useMutation({
      mutationFn: (endpointId: string) =>
        unwrap(api.POST('/api/workspaces/{id}/webhooks/{endpointId}/secret', endpoint(endpointId))),
      onSettled,
    }),
    remove: useMutation({
      mutationFn: (endpointId: string) =>
        unwrap(api.DELETE('/api/workspaces/{id}/webhooks/{endpointId}', endpoint(endpointId))),
      onSettled,
    }),
  };
}

export function useTranscriptSettings(workspaceId: string) {
  return useQuery({
    queryKey: webhookKeys.transcripts(workspaceId),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/transcripts', path(workspaceId))),
  });
}

export function useSaveTranscripts(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TranscriptSettingsInput) =>
      unwrap(api.PUT('/api/workspaces/{id}/transcripts', { ...path(workspaceId), body })),
    onSettled: () => void client.invalidateQueries({ queryKey: webhookKeys.transcripts(workspaceId) }),
  });
}
