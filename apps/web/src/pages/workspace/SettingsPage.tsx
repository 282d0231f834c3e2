import { Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, errorMessage, unwrap, type Workspace } from '../../api/client';
import { keys } from '../../api/queries';
import { TypedConfirm } from '../../components/TypedConfirm';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

export function SettingsPage() {
  const workspace = useCurrentWorkspace();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState(workspace.name);
  const rename = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/api/workspaces/{id}', { params: { path: { id: workspace.id } }, body: { name: name.trim() } }),
      ),
    onSuccess: (updated) => {
      client.setQueryData(keys.workspace(workspace.id), updated);
      void client.invalidateQueries({ queryKey: keys.workspaces });
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/workspaces/{id}', { params: { path: { id: workspace.id } } })),
    onSuccess: () => {
      client.setQueryData<Workspace[]>(keys.workspaces, (list) => list?.filter((item) => item.id !== workspace.id));
      client.removeQueries({ queryKey: keys.workspace(workspace.id) });
      void client.invalidateQueries({ queryKey: keys.workspaces });
      void navigate('/', { replace: true });
    },
  });
  const manage = canManage(workspace);

  function submitRename(event: FormEvent) {
    event.preventDefault();
    if (name.trim() && name.trim() !== workspace.name) rename.mutate();
  }

  return (
    <Stack gap="md">
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Name
        </Title>
        <form onSubmit={submitRename}>
          <Group align="flex-end" wrap="wrap">
            <TextInput
              label="Workspace name"
              name="name"
              value={name}
              maxLength={80}
              disabled={!manage}
              onChange={(event) => setName(event.currentTarget.value)}
              style={{ flex: '1 1 240px' }}
            />
            <Button
              type="submit"
              disabled={!manage || !name.trim() || name.trim() === workspace.name}
              loading={rename.isPending}
            >
              Save
            </Button>
          </Group>
          {rename.isError ? (
            <Text c="red" size="sm" role="alert" mt="xs">
              {errorMessage(rename.error)}
            </Text>
          ) : null}
          {rename.isSuccess ? (
            <Text c="green" size="sm" role="status" mt="xs">
              Saved.
            </Text>
          ) : null}
        </form>
      </Card>
      <Card withBorder style={{ borderColor: 'var(--mantine-color-red-4)' }}>
        <Title order={2} size="h4" mb="xs" c="red.8">
          Delete workspace
        </Title>
        {workspace.role === 'owner' ? (
          <Stack gap="sm">
            <Text size="sm">
              Deleting cancels the subscription and deprovisions the server: the node wipes all conversations, the DNS
              record is removed and the host destroyed. This cannot be undone.
            </Text>
            <TypedConfirm
              phrase={workspace.slug}
              action="Delete this workspace"
              onConfirm={() => remove.mutate()}
              loading={remove.isPending}
            />
            {remove.isError ? (
              <Text c="red" size="sm" role="alert">
                {errorMessage(remove.error)}
              </Text>
            ) : null}
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            Only the workspace's owner can delete it.
          </Text>
        )}
      </Card>
    </Stack>
  );
}
