import { Button, Center, Text } from '@mantine/core';
import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { AuditPage } from '../api/client';
import { AuditTable } from './AuditTable';
import { EmptyState, ErrorState, Loading } from './States';

/** Table + "load more" for a keyset-paged audit query, with loading, error and empty states. */
export function AuditEventsView({
  query,
  showWorkspace,
  workspaceHref,
}: {
  query: UseInfiniteQueryResult<InfiniteData<AuditPage>>;
  showWorkspace: boolean;
  workspaceHref?: (id: string) => string;
}) {
  if (query.isPending) return <Loading label="Loading events…" />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  const events = query.data.pages.flatMap((page) => page.items);
  if (events.length === 0) return <EmptyState title="No events match">Change or clear the filters.</EmptyState>;
  return (
    <>
      <AuditTable events={events} showWorkspace={showWorkspace} workspaceHref={workspaceHref} />
      <Center mt="sm">
        {query.hasNextPage ? (
          <Button variant="default" onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>
            Load more
          </Button>
        ) : (
          <Text size="xs" c="dimmed" data-testid="audit-end">
            {events.length} event{events.length === 1 ? '' : 's'} · end of results
          </Text>
        )}
      </Center>
    </>
  );
}
