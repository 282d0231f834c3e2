import {
  Anchor,
  Button,
  Card,
  Group,
  NativeSelect,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, errorMessage, unwrap } from '../../api/client';
import { useExports, useRetention, workspaceKeys } from '../../api/queries';
import { DeliveryNote } from '../../components/Delivery';
import { ExpiryCountdown } from '../../components/ExpiryCountdown';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function ExportCard({ workspaceId, manage }: { workspaceId: string; manage: boolean }) {
  const client = useQueryClient();
  const history = useExports(workspaceId);
  const [ttl, setTtl] = useState('3600');
  const [expired, setExpired] = useState(false);
  const request = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{id}/exports', {
          params: { path: { id: workspaceId } },
          body: { ttlSeconds: Number(ttl) },
        }),
      ),
    onSuccess: () => {
      setExpired(false);
      void client.invalidateQueries({ queryKey: workspaceKeys.exports(workspaceId) });
    },
  });
  const result = request.data;
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
            <Button type="submit" loading={request.isPending}>
              Request export
            </Button>
          </Group>
        </form>
      ) : (
        <Text size="sm">Only the owner or an admin can export.</Text>
      )}
      {request.isError ? (
        <Text c="red" size="sm" role="alert" mt="xs">
          {errorMessage(request.error)}
        </Text>
      ) : null}
      {result ? (
        <Card withBorder mt="md" padding="sm" bg={expired ? 'gray.0' : 'green.0'} data-testid="export-result">
          <Stack gap={4}>
            <Text size="sm">
              {result.conversations} conversations · {result.messages} messages · {bytes(result.bytes)}
            </Text>
            {expired ? (
              <Text size="sm" c="dimmed">
                This link has expired. Request a new export.
              </Text>
            ) : (
              <Anchor
                href={result.url}
                target="_blank"
                rel="noreferrer"
                style={{ overflowWrap: 'anywhere' }}
                data-testid="export-link"
              >
                Download the archive
              </Anchor>
            )}
            <ExpiryCountdown expiresAt={result.expiresAt} onExpire={() => setExpired(true)} />
            <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              SHA-256 {result.sha256}
            </Text>
          </Stack>
        </Card>
      ) : null}
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
                    {record.conversations} conv. · {record.messages} msg · {bytes(record.bytes)}
                  </Table.Td>
                  <Table.Td>
                    {new Date(record.expiresAt).getTime() > Date.now() ? (
                      <ExpiryCountdown expiresAt={record.expiresAt} />
                    ) : (
                      'expired'
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

/** The node's own default when the workspace never set a window (agent-node config). */
const DEFAULT_RETENTION_DAYS = 365;

function RetentionCard({ workspaceId, manage }: { workspaceId: string; manage: boolean }) {
  const client = useQueryClient();
  const current = useRetention(workspaceId);
  const [days, setDays] = useState<number | string | null>(null);
  const shown = days ?? current.data?.days ?? DEFAULT_RETENTION_DAYS;
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/workspaces/{id}/retention', {
          params: { path: { id: workspaceId } },
          body: { days: Number(shown) },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: workspaceKeys.retention(workspaceId) }),
  });
  const valid = Number.isInteger(Number(shown)) && Number(shown) >= 1 && Number(shown) <= 3650;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (valid) save.mutate();
  }
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Retention
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Your server deletes conversations older than this every night.
      </Text>
      {current.data ? (
        <Text size="sm" mb="sm" data-testid="retention-current">
          {current.data.days === null
            ? `Conversations are kept ${DEFAULT_RETENTION_DAYS} days (the default).`
            : `Conversations are kept ${current.data.days} days${current.data.appliedAt ? ', applied on your server.' : '; your server applies it when it is next reachable.'}`}
        </Text>
      ) : null}
      <form onSubmit={submit}>
        <Group align="flex-end" wrap="wrap">
          <NumberInput
            label="Keep conversations for (days)"
            name="days"
            min={1}
            max={3650}
            value={shown}
            onChange={setDays}
            disabled={!manage}
            error={valid ? undefined : 'Between 1 and 3650 days.'}
            w={240}
          />
          <Button type="submit" disabled={!manage || !valid} loading={save.isPending}>
            Save retention
          </Button>
        </Group>
      </form>
      {save.isError ? (
        <Text c="red" size="sm" role="alert" mt="xs">
          {errorMessage(save.error)}
        </Text>
      ) : null}
      <DeliveryNote delivery={save.data?.delivery} />
    </Card>
  );
}

function EraseCard({ workspaceId, manage }: { workspaceId: string; manage: boolean }) {
  const [conversationId, setConversationId] = useState('');
  const erase = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{id}/conversations/{conversationId}/erase', {
          params: { path: { id: workspaceId, conversationId: conversationId.trim() } },
        }),
      ),
  });
  const valid = /^[A-Za-z0-9_-]{1,100}$/.test(conversationId.trim());
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Erase a conversation
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        The conversation id is in the export. Erasing removes every message of it from your server.
      </Text>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) erase.mutate();
        }}
      >
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Conversation id"
            value={conversationId}
            onChange={(event) => setConversationId(event.currentTarget.value)}
            disabled={!manage}
            style={{ flex: '1 1 220px' }}
          />
          <Button type="submit" color="red" variant="light" disabled={!manage || !valid} loading={erase.isPending}>
            Erase
          </Button>
        </Group>
      </form>
      {erase.isError ? (
        <Text c="red" size="sm" role="alert" mt="xs">
          {errorMessage(erase.error)}
        </Text>
      ) : null}
      {erase.data ? (
        <Text size="sm" mt="xs" role="status">
          {erase.data.erased ? `Erased ${erase.data.messages} messages.` : 'No such conversation on your server.'}
        </Text>
      ) : null}
    </Card>
  );
}

export function DataPage() {
  const workspace = useCurrentWorkspace();
  const manage = canManage(workspace);
  if (workspace.status === 'pending_payment')
    return (
      <EmptyState title="No server yet">
        Exports and retention apply to the data on your server, once it is running.
      </EmptyState>
    );
  return (
    <Stack gap="md">
      <ExportCard workspaceId={workspace.id} manage={manage} />
      <RetentionCard workspaceId={workspace.id} manage={manage} />
      <EraseCard workspaceId={workspace.id} manage={manage} />
    </Stack>
  );
}
