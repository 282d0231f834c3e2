import { Badge, Button, Group, Table, Text } from '@mantine/core';
import { errorMessage } from '../../api/client';
import { type KnowledgeSource, type SourceStatus, useDeleteSource, useRefreshSource } from '../../node/knowledge-api';
import { EmptyState } from '../States';

const STATUS: Record<SourceStatus, { color: string; label: string }> = {
  queued: { color: 'gray', label: 'Queued' },
  fetching: { color: 'blue', label: 'Fetching' },
  indexing: { color: 'blue', label: 'Indexing' },
  ready: { color: 'green', label: 'Ready' },
  failed: { color: 'red', label: 'Failed' },
};

const KIND = { file: 'File', url: 'Page', site: 'Site crawl', qa: 'Q&A' } as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The sources with their status, counts and actions (refresh, delete: admins only). */
export function SourcesTable({
  workspaceId,
  sources,
  manage,
}: {
  workspaceId: string;
  sources: KnowledgeSource[];
  manage: boolean;
}) {
  const refresh = useRefreshSource(workspaceId);
  const remove = useDeleteSource(workspaceId);
  if (sources.length === 0)
    return <EmptyState title="No sources yet">Add a page, a site, a file or a question and answer.</EmptyState>;
  const failure = refresh.error ?? remove.error;
  return (
    <>
      {failure ? (
        <Text size="sm" c="red" role="alert">
          {errorMessage(failure)}
        </Text>
      ) : null}
      <Table.ScrollContainer minWidth={640}>
        <Table verticalSpacing="xs" data-testid="knowledge-sources">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Source</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Pages</Table.Th>
              <Table.Th>Chunks</Table.Th>
              <Table.Th>Size</Table.Th>
              {manage ? <Table.Th /> : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sources.map((s) => {
              const busy = s.status !== 'ready' && s.status !== 'failed';
              return (
                <Table.Tr key={s.id} data-testid="knowledge-source" data-status={s.status}>
                  <Table.Td style={{ maxWidth: 320 }}>
                    <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                      {s.title}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                      {KIND[s.kind]}
                      {s.location && s.location !== s.title ? ` · ${s.location}` : ''}
                    </Text>
                    {s.error ? (
                      <Text size="xs" c="red" data-testid="knowledge-source-error">
                        {s.error}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={STATUS[s.status].color}>
                      {STATUS[s.status].label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{s.pages}</Table.Td>
                  <Table.Td>{s.chunks}</Table.Td>
                  <Table.Td>{formatBytes(s.bytes)}</Table.Td>
                  {manage ? (
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button
                          size="compact-xs"
                          variant="default"
                          disabled={busy}
                          onClick={() => refresh.mutate(s.id)}
                        >
                          Refresh
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${s.title}`}
                          onClick={() => remove.mutate(s.id)}
                        >
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
