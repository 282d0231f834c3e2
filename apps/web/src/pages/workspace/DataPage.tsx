import { Button, Card, Group, NumberInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, errorMessage, unwrap } from '../../api/client';
import { useRetention, workspaceKeys } from '../../api/queries';
import { DeliveryNote } from '../../components/Delivery';
import { ExportCard } from '../../components/exports/ExportCard';
import { EmptyState } from '../../components/States';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

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
