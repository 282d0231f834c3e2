import { Button, Card, Group, NativeSelect, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage, type ExportJob, unwrap } from '../../api/client';
import { useExports, workspaceKeys } from '../../api/queries';
import { ExpiryCountdown } from '../ExpiryCountdown';
import { ErrorState, Loading } from '../States';
import { ExportJobResult, formatBytes } from './ExportJobResult';

/** How often the page asks while the server prepares the archive. */
const POLL_MS = 1_000;

/** The export the member just requested, polled while the server prepares it. */
function useExportJob(workspaceId: string, requested: ExportJob | undefined) {
  const client = useQueryClient();
  return useQuery({
    queryKey: ['workspaces', workspaceId, 'export-job', requested?.id],
    enabled: requested !== undefined,
    initialData: requested,
    queryFn: async () => {
      const job = await unwrap(
        api.GET('/api/workspaces/{id}/exports/{exportId}', {
          params: { path: { id: workspaceId, exportId: requested?.id ?? '' } },
        }),
      );
      if (job.state !== 'preparing') void client.invalidateQueries({ queryKey: workspaceKeys.exports(workspaceId) });
      return job;
    },
    refetchInterval: (query) => (query.state.data?.state === 'preparing' ? POLL_MS : false),
    // The answer carries the link only while it is valid: never refetch a settled export on focus.
    refetchOnWindowFocus: false,
    staleTime: Infinity,
  });
}

export function ExportCard({ workspaceId, manage }: { workspaceId: string; manage: boolean }) {
  const client = useQueryClient();
  const history = useExports(workspaceId);
  const [ttl, setTtl] = useState('3600');
  const request = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{id}/exports', {
          params: { path: { id: workspaceId } },
          body: { ttlSeconds: Number(ttl) },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: workspaceKeys.exports(workspaceId) }),
  });
  const job = useExportJob(workspaceId, request.data);
  const preparing = job.data?.state === 'preparing';
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Export conversations
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Your server builds the archive and hands out a signed link on its own domain. Enclave never sees the archive;
        the link is shown once and expires.
      </Text>
      {manage ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            request.mutate();
          }}
        >
          <Group align="flex-end" wrap="wrap">
            <NativeSelect
              label="Link valid for"
              value={ttl}
              onChange={(event) => setTtl(event.currentTarget.value)}
              data={[
                { value: '900', label: '15 minutes' },
                { value: '3600', label: '1 hour' },
                { value: '86400', label: '1 day' },
                { value: '604800', label: '7 days' },
              ]}
            />
            <Button type="submit" loading={request.isPending || preparing}>
              Request export
            </Button>
          </Group>
        </form>
      ) : (
        <Text size="sm">Only the owner or an admin can export.</Text>
      )}
      {request.isError || job.isError ? (
        <Text c="red" size="sm" role="alert" mt="xs">
          {errorMessage(request.error ?? job.error)}
        </Text>
      ) : null}
      {job.data ? <ExportJobResult key={job.data.id} job={job.data} /> : null}
      <Title order={3} size="h6" mt="md" mb="xs">
        Earlier exports
      </Title>
      {history.isPending ? (
        <Loading />
      ) : history.isError ? (
        <ErrorState error={history.error} onRetry={() => void history.refetch()} />
      ) : history.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table fz="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Requested</Table.Th>
                <Table.Th>Contents</Table.Th>
                <Table.Th>Link</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {history.data.map((record) => (
                <Table.Tr key={record.id}>
                  <Table.Td>{new Date(record.createdAt).toLocaleString()}</Table.Td>
                  <Table.Td>
                    {record.state === 'ready' || record.state === 'expired'
                      ? `${record.conversations ?? 0} conv. · ${record.messages ?? 0} msg · ${formatBytes(record.bytes ?? 0)}`
                      : '—'}
                  </Table.Td>
                  <Table.Td>
                    {record.state === 'ready' && record.expiresAt ? (
                      <ExpiryCountdown expiresAt={record.expiresAt} />
                    ) : (
                      { preparing: 'preparing…', expired: 'expired', failed: 'failed', ready: 'expired' }[record.state]
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}
