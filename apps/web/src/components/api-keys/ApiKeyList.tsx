import { Badge, Button, Table, Text } from '@mantine/core';
import { errorMessage } from '../../api/client';
import { useAgents } from '../../api/queries';
import { EmptyState, ErrorState, Loading } from '../States';
import { useApiKeyMutations, useApiKeys } from './api-key-queries';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** Every key with its mask, fingerprint, agent, settings and times; admins revoke. */
export function ApiKeyList({ workspaceId, manage }: { workspaceId: string; manage: boolean }) {
  const keys = useApiKeys(workspaceId);
  const agents = useAgents(workspaceId);
  const { revoke } = useApiKeyMutations(workspaceId);
  if (keys.isPending) return <Loading />;
  if (keys.isError) return <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />;
  if (keys.data.length === 0)
    return (
      <EmptyState title="No API keys yet">
        Create a key for your developers: any OpenAI client then talks to your agent at your server's address.
      </EmptyState>
    );
  const agentName = (id: string) => agents.data?.find((a) => a.id === id)?.name ?? id;
  return (
    <>
      <Table striped withTableBorder data-testid="api-key-list">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Key</Table.Th>
            <Table.Th>Agent (model)</Table.Th>
            <Table.Th>Settings</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Last used</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.data.map((k) => (
            <Table.Tr key={k.id} data-testid={`api-key-${k.id}`}>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {k.mask}
                </Text>
                <Text size="xs" c="dimmed" ff="monospace" title="HMAC fingerprint">
                  {k.fingerprint.slice(0, 16)}…
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{agentName(k.agentId)}</Text>
                <Text size="xs" c="dimmed" ff="monospace">
                  {k.agentId}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c={k.history ? 'blue' : 'dimmed'}>
                  {k.history ? 'history on' : 'history off'}
                </Text>
                <Text size="xs" c="dimmed">
                  {k.requestsPerMinute} requests/min
                </Text>
              </Table.Td>
              <Table.Td>{when(k.createdAt)}</Table.Td>
              <Table.Td>{when(k.lastUsedAt)}</Table.Td>
              <Table.Td>
                {k.revokedAt ? (
                  <Badge color="red" variant="light" title={when(k.revokedAt)}>
                    revoked
                  </Badge>
                ) : manage ? (
                  <Button
                    size="xs"
                    color="red"
                    variant="light"
                    loading={revoke.isPending && revoke.variables === k.id}
                    onClick={() => revoke.mutate(k.id)}
                  >
                    Revoke
                  </Button>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {revoke.isError ? (
        <Text c="red" size="sm" role="alert">
          {errorMessage(revoke.error)}
        </Text>
      ) : null}
    </>
  );
}
