import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useCallback, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, errorMessage, unwrap } from '../api/client';
import { checkSlug, keys, useWorkspaces } from '../api/queries';
import { SlugField, type SlugState, slugify } from '../components/SlugField';
import { EmptyState, ErrorState, Loading, statusColor, statusLabel } from '../components/States';

function CreateWorkspaceForm() {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [slugState, setSlugState] = useState<SlugState>({ kind: 'idle' });
  const client = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/workspaces', { body: { name: name.trim(), slug } })),
    onSuccess: (workspace) => {
      void client.invalidateQueries({ queryKey: keys.workspaces });
      void navigate(`/workspaces/${workspace.id}/billing`);
    },
  });
  const onSlugState = useCallback((state: SlugState) => setSlugState(state), []);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (slugState.kind === 'available' && name.trim()) create.mutate();
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="create-workspace">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Title order={2} size="h4" id="create-workspace">
            Create a workspace
          </Title>
          <TextInput
            label="Name"
            name="name"
            required
            maxLength={80}
            value={name}
            onChange={(event) => {
              const next = event.currentTarget.value;
              setName(next);
              if (!slugEdited) setSlug(slugify(next));
            }}
          />
          <SlugField
            value={slug}
            onChange={(next) => {
              setSlugEdited(true);
              setSlug(next);
            }}
            check={checkSlug}
            onStateChange={onSlugState}
          />
          {create.isError ? (
            <Text c="red" size="sm" role="alert">
              {errorMessage(create.error)}
            </Text>
          ) : null}
          <Group>
            <Button type="submit" loading={create.isPending} disabled={slugState.kind !== 'available' || !name.trim()}>
              Create and continue to payment
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function WorkspacesPage() {
  const workspaces = useWorkspaces();
  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        Workspaces
      </Title>
      {workspaces.isPending ? (
        <Loading />
      ) : workspaces.isError ? (
        <ErrorState error={workspaces.error} onRetry={() => void workspaces.refetch()} />
      ) : workspaces.data.length === 0 ? (
        <EmptyState title="No workspaces yet">
          Create one below: each workspace gets its own dedicated server running your agent.
        </EmptyState>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
          {workspaces.data.map((workspace) => (
            <Card key={workspace.id} withBorder padding="md" data-testid="workspace-card">
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <Anchor
                  component={Link}
                  to={`/workspaces/${workspace.id}`}
                  fw={600}
                  style={{ overflowWrap: 'anywhere' }}
                >
                  {workspace.name}
                </Anchor>
                <Badge color={statusColor(workspace.status)} variant="light">
                  {statusLabel(workspace.status)}
                </Badge>
              </Group>
              <Text size="sm" c="dimmed" ff="monospace">
                {workspace.slug}
              </Text>
              <Text size="xs" c="dimmed" mt="xs">
                {workspace.role}
              </Text>
            </Card>
          ))}
        </SimpleGrid>
      )}
      <CreateWorkspaceForm />
    </Stack>
  );
}
