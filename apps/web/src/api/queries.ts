import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type AuditFilter, api, ApiError, unwrap } from './client';

export const keys = {
  me: ['me'] as const,
  providers: ['auth', 'providers'] as const,
  workspaces: ['workspaces'] as const,
  workspace: (id: string) => ['workspaces', id] as const,
  members: (id: string) => ['workspaces', id, 'members'] as const,
  billing: (id: string) => ['workspaces', id, 'billing'] as const,
  plans: ['plans'] as const,
  workspaceAudit: (id: string) => ['workspaces', id, 'audit'] as const,
  staffAudit: (filter: AuditFilter) => ['staff', 'audit', filter] as const,
  chain: ['staff', 'audit', 'chain'] as const,
};

/** The signed-in user, or null when signed out (401 is an answer here, not an error). */
export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async () => {
      try {
        return await unwrap(api.GET('/api/me'));
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

export function useProviders() {
  return useQuery({
    queryKey: keys.providers,
    queryFn: () => unwrap(api.GET('/api/auth/providers')),
    staleTime: Infinity,
  });
}

export function useWorkspaces() {
  return useQuery({ queryKey: keys.workspaces, queryFn: () => unwrap(api.GET('/api/workspaces')) });
}

export function useWorkspace(id: string) {
  return useQuery({
    queryKey: keys.workspace(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}', { params: { path: { id } } })),
  });
}

export function useMembers(id: string) {
  return useQuery({
    queryKey: keys.members(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/members', { params: { path: { id } } })),
  });
}

/** pollUntilPaidMs: refetch while the workspace still waits for payment (the checkout return page). */
export function useBilling(id: string, pollUntilPaidMs: number | false = false) {
  return useQuery({
    queryKey: keys.billing(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/billing', { params: { path: { id } } })),
    refetchInterval: (query) =>
      pollUntilPaidMs && query.state.data?.workspaceStatus === 'pending_payment' ? pollUntilPaidMs : false,
  });
}

export function usePlans() {
  return useQuery({ queryKey: keys.plans, queryFn: () => unwrap(api.GET('/api/plans')), staleTime: 5 * 60_000 });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/logout')),
    onSettled: () => {
      client.setQueryData(keys.me, null);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'me' });
    },
  });
}

export async function checkSlug(slug: string) {
  return unwrap(api.GET('/api/workspaces/slug-availability', { params: { query: { slug } } }));
}

const path = (id: string) => ({ params: { path: { id } } });

export const workspaceKeys = {
  provisioning: (id: string) => ['workspaces', id, 'provisioning'] as const,
  nodeHealth: (id: string) => ['workspaces', id, 'node-health'] as const,
  usage: (id: string, days: number) => ['workspaces', id, 'usage', days] as const,
  agents: (id: string) => ['workspaces', id, 'agents'] as const,
  channels: (id: string) => ['workspaces', id, 'channels'] as const,
  secrets: (id: string) => ['workspaces', id, 'secrets'] as const,
  exports: (id: string) => ['workspaces', id, 'exports'] as const,
  retention: (id: string) => ['workspaces', id, 'retention'] as const,
};

export function useProvisioning(id: string) {
  return useQuery({
    queryKey: workspaceKeys.provisioning(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/provisioning', path(id))),
  });
}

export function useRetention(id: string) {
  return useQuery({
    queryKey: workspaceKeys.retention(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/retention', path(id))),
  });
}

export function useNodeHealth(id: string) {
  return useQuery({
    queryKey: workspaceKeys.nodeHealth(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/node-health', path(id))),
    refetchInterval: 30_000,
  });
}

export function useUsage(id: string, days: number) {
  return useQuery({
    queryKey: workspaceKeys.usage(id, days),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/usage', { params: { path: { id }, query: { days } } })),
  });
}

export function useAgents(id: string) {
  return useQuery({
    queryKey: workspaceKeys.agents(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/agents', path(id))),
  });
}

export function useChannels(id: string) {
  return useQuery({
    queryKey: workspaceKeys.channels(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/channels', path(id))),
  });
}

export function useSecrets(id: string) {
  return useQuery({
    queryKey: workspaceKeys.secrets(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/secrets', path(id))),
  });
}

export function useExports(id: string) {
  return useQuery({
    queryKey: workspaceKeys.exports(id),
    queryFn: () => unwrap(api.GET('/api/workspaces/{id}/exports', path(id))),
  });
}
