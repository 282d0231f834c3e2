import { useInfiniteQuery } from '@tanstack/react-query';
import { type AuditFilter, api, unwrap } from './client';
import { keys } from './queries';

const PAGE_SIZE = 50;

/** Keyset pages of audit events ("load more" passes the previous page's nextCursor). */
export function useStaffAuditEvents(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: keys.staffAudit(filter),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/staff/audit-events', { params: { query: { ...filter, cursor: pageParam, limit: PAGE_SIZE } } }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

export function useWorkspaceAuditEvents(workspaceId: string, filter: Omit<AuditFilter, 'workspaceId'>) {
  return useInfiniteQuery({
    queryKey: [...keys.workspaceAudit(workspaceId), filter],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/workspaces/{id}/audit-events', {
          params: { path: { id: workspaceId }, query: { ...filter, cursor: pageParam, limit: PAGE_SIZE } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

/** Filters kept in the address bar, so a filtered view can be reloaded and shared. */
export function filterFromSearch(params: URLSearchParams): AuditFilter {
  const filter: Record<string, string> = {};
  for (const key of ['workspaceId', 'actorType', 'actorId', 'action', 'from', 'to'] as const) {
    const value = params.get(key);
    if (value) filter[key] = value;
  }
  return filter as AuditFilter;
}
