import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../api/client';

export type ApiKey = Schemas['ApiKeyDto'];
export type ApiKeyInput = Schemas['CreateApiKeyDto'];

const path = (id: string) => ({ params: { path: { id } } });
export const apiKeysKey = (id: string) => ['workspaces', id, 'api-keys'] as const;

/** The workspace's chat API keys as the control plane knows them: name, mask, fingerprint, settings, times. */
export function useApiKeys(workspaceId: string) {
  return useQuery({
    queryKey: apiKeysKey(workspaceId),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/api-keys', path(workspaceId))),
  });
}

/** Create (the answer holds the key, shown once) and revoke; both refresh the list. */
export function useApiKeyMutations(workspaceId: string) {
  const client = useQueryClient();
  const onSettled = () => void client.invalidateQueries({ queryKey: apiKeysKey(workspaceId) });
  return {
    create: useMutation({
      mutationFn: (body: ApiKeyInput) =>
        unwrap(api.POST('/api/workspaces/{id}/api-keys', { ...path(workspaceId), body })),
      onSettled,
    }),
    revoke: useMutation({
      mutationFn: (keyId: string) =>
        unwrap(
          api.POST('/api/workspaces/{id}/api-keys/{keyId}/revoke', { params: { path: { id: workspaceId, keyId } } }),
        ),
      onSettled,
    }),
  };
}
