import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../api/client';
import { isSessionSpent, renewalDelayMs } from './session-timing';

/**
 * A node session: a short-lived token the control plane signs so the browser can talk to the
 * workspace's node directly (conversation content never passes through the control plane).
 * `nodeUrl` is the node's origin, e.g. https://acme.nodes.example. It lives in the query cache
 * only — memory, never localStorage or cookies.
 */
export type NodeSession = Schemas['NodeSessionDto'];

export const nodeSessionKey = (workspaceId: string) => ['node', workspaceId, 'session'] as const;

/**
 * POST /api/workspaces/:id/node-sessions (409 `node_not_ready` while the workspace has no running
 * node). `renewal`: this page already had a session; the control plane audits openings, not renewals.
 */
export function requestNodeSession(workspaceId: string, renewal: boolean): Promise<NodeSession> {
  return unwrap(
    api.POST('/api/workspaces/{id}/node-sessions', { params: { path: { id: workspaceId } }, body: { renewal } }),
  );
}

function sessionQuery(client: QueryClient, workspaceId: string) {
  return {
    queryKey: nodeSessionKey(workspaceId),
    // A session still in the cache means the page is open: asking again is a renewal.
    queryFn: () =>
      requestNodeSession(workspaceId, client.getQueryData<NodeSession>(nodeSessionKey(workspaceId)) !== undefined),
    // Dropped from memory as soon as no page uses it.
    gcTime: 0,
  };
}

/** The workspace's node session, renewed about two minutes before it expires while the page is open. */
export function useNodeSession(workspaceId: string) {
  const client = useQueryClient();
  return useQuery({
    ...sessionQuery(client, workspaceId),
    // Renewal is driven by the expiry alone (below), not by mounts or focus.
    staleTime: Infinity,
    refetchInterval: (query) => (query.state.data ? renewalDelayMs(query.state.data.expiresAt, Date.now()) : false),
    // A background tab keeps its session alive, so coming back to it does not start with a 401.
    refetchIntervalInBackground: true,
  });
}

/**
 * A session with time left: the cached one, unless it is (nearly) expired or is `rejectedToken`
 * (one the node just refused). Concurrent renewals share one request, and a caller whose token
 * was already replaced gets the replacement without asking again.
 */
export async function usableNodeSession(
  client: QueryClient,
  workspaceId: string,
  rejectedToken?: string,
): Promise<NodeSession> {
  const cached = client.getQueryData<NodeSession>(nodeSessionKey(workspaceId));
  if (cached && cached.token !== rejectedToken && !isSessionSpent(cached.expiresAt, Date.now())) return cached;
  return client.fetchQuery({ ...sessionQuery(client, workspaceId), staleTime: 0 });
}
