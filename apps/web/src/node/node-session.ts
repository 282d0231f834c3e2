import { type QueryClient, useQuery } from '@tanstack/react-query';
import { ApiError, toApiError } from '../api/client';
import { isSessionSpent, renewalDelayMs } from './session-timing';

/**
 * A node session: a short-lived token the control plane signs so the browser can talk to the
 * workspace's node directly (conversation content never passes through the control plane).
 * It lives in the query cache only — memory, never localStorage or cookies.
 */
export interface NodeSession {
  token: string;
  expiresAt: string;
  /** The node's origin, e.g. https://acme.nodes.example */
  nodeUrl: string;
}

export const nodeSessionKey = (workspaceId: string) => ['node', workspaceId, 'session'] as const;

function isNodeSession(value: unknown): value is NodeSession {
  const session = value as Partial<NodeSession> | null;
  return (
    typeof session?.token === 'string' &&
    typeof session.expiresAt === 'string' &&
    typeof session.nodeUrl === 'string' &&
    /^https?:\/\//.test(session.nodeUrl)
  );
}

/**
 * POST /api/workspaces/:id/node-sessions. A hand-written call because the route is not in the
 * generated OpenAPI types yet; it moves to `api.POST` once `npm run web:openapi` includes it.
 */
export async function requestNodeSession(workspaceId: string): Promise<NodeSession> {
  let response: Response;
  try {
    response = await fetch(`/api/workspaces/${encodeURIComponent(workspaceId)}/node-sessions`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach Enclave. Check your connection and try again.');
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(body, response);
  if (!isNodeSession(body))
    throw new ApiError(response.status, 'bad_session', 'Enclave answered with an unusable session.');
  return body;
}

function sessionQuery(workspaceId: string) {
  return {
    queryKey: nodeSessionKey(workspaceId),
    queryFn: () => requestNodeSession(workspaceId),
    // Dropped from memory as soon as no page uses it.
    gcTime: 0,
  };
}

/** The workspace's node session, renewed about two minutes before it expires while the page is open. */
export function useNodeSession(workspaceId: string) {
  return useQuery({
    ...sessionQuery(workspaceId),
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
  return client.fetchQuery({ ...sessionQuery(workspaceId), staleTime: 0 });
}
