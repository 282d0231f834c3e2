import {
  Badge,
  Button,
  Card,
  Group,
  NativeSelect,
  PasswordInput,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Agent, api, errorMessage, unwrap } from '../../api/client';
import { useAgents, useSecrets, workspaceKeys } from '../../api/queries';
import { DeliveryNote } from '../../components/Delivery';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

type Provider = Agent['provider'];
const DEFAULT_MODEL: Record<Provider, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5' };
const KEY_KIND = { openai: 'openai_api_key', anthropic: 'anthropic_api_key' } as const;

function AgentForm({ workspaceId, agent, onDone }: { workspaceId: string; agent?: Agent; onDone(): void }) {
  const client = useQueryClient();
  const [name, setName] = useState(agent?.name ?? '');
  const [instructions, setInstructions] = useState(agent?.instructions ?? '');
  const [provider, setProvider] = useState<Provider>(agent?.provider ?? 'openai');
  const [model, setModel] = useState(agent?.model ?? DEFAULT_MODEL.openai);
  const [enabled, setEnabled] = useState(agent?.enabled ?? true);
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), instructions, provider, model: model.trim(), enabled };
      return agent
        ? unwrap(
            api.PATCH('/api/workspaces/{id}/agents/{agentId}', {
              params: { path: { id: workspaceId, agentId: agent.id } },
              body,
            }),
          )
        : unwrap(api.POST('/api/workspaces/{id}/agents', { params: { path: { id: workspaceId } }, body }));
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: workspaceKeys.agents(workspaceId) });
      if (!agent) onDone();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim() && model.trim()) save.mutate();
  }
  return (
    <form onSubmit={submit} aria-label={agent ? `Edit ${agent.name}` : 'New agent'}>
      <Stack gap="sm">
        <TextInput
          label="Name"
          name="name"
          required
          maxLength={100}
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
        <Textarea
          label="Instructions"
          description="What the agent should do and how it should answer (its system prompt)."
          name="instructions"
          autosize
          minRows={4}
          maxRows={14}
          maxLength={8000}
          value={instructions}
          onChange={(event) => setInstructions(event.currentTarget.value)}
        />
        <Group grow align="flex-start" wrap="wrap">
          <NativeSelect
            label="Model provider"
            name="provider"
            value={provider}
            data={[
              { value: 'openai', label: 'OpenAI' },
              { value: 'anthropic', label: 'Anthropic' },
            ]}
            onChange={(event) => {
              const next = event.currentTarget.value as Provider;
              if (model === DEFAULT_MODEL[provider]) setModel(DEFAULT_MODEL[next]);
              setProvider(next);
            }}
          />
          <TextInput
            label="Model"
            name="model"
            required
            value={model}
            onChange={(event) => setModel(event.currentTarget.value)}
          />
        </Group>
        <Switch label="Enabled" checked={enabled} onChange={(event) => setEnabled(event.currentTarget.checked)} />
        {save.isError ? (
          <Text c="red" size="sm" role="alert">
            {errorMessage(save.error)}
          </Text>
        ) : null}
        <DeliveryNote delivery={save.data?.delivery} />
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!name.trim() || !model.trim()}>
            {agent ? 'Save agent' : 'Create agent'}
          </Button>
          <Button type="button" variant="default" onClick={onDone}>
            {agent ? 'Close' : 'Cancel'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ApiKeys({ workspaceId, manage }: { workspaceId: string; manage: boolean }) {
  const client = useQueryClient();
  const secrets = useSecrets(workspaceId);
  const [values, setValues] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (kind: (typeof KEY_KIND)[Provider]) =>
      unwrap(
        api.PUT('/api/workspaces/{id}/secrets/{kind}', {
          params: { path: { id: workspaceId, kind } },
          body: { value: values[kind]?.trim() ?? '' },
        }),
      ),
    onSuccess: (_result, kind) => {
      setValues((previous) => ({ ...previous, [kind]: '' }));
      void client.invalidateQueries({ queryKey: workspaceKeys.secrets(workspaceId) });
    },
  });
  if (secrets.isPending) return <Loading />;
  if (secrets.isError) return <ErrorState error={secrets.error} onRetry={() => void secrets.refetch()} />;
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Keys are checked with the provider, handed to your server and never stored by Enclave: only a masked value and a
        fingerprint are kept.
      </Text>
      {(['openai', 'anthropic'] as const).map((provider) => {
        const kind = KEY_KIND[provider];
        const record = secrets.data.find((secret) => secret.kind === kind);
        return (
          <form
            key={kind}
            aria-label={`${provider} API key`}
            onSubmit={(event) => {
              event.preventDefault();
              if ((values[kind] ?? '').trim()) save.mutate(kind);
            }}
          >
            <Group align="flex-end" wrap="wrap" gap="sm">
              <PasswordInput
                label={`${provider === 'openai' ? 'OpenAI' : 'Anthropic'} API key`}
                description={
                  record
                    ? `Current: ${record.mask} · ${record.status} · checked ${new Date(record.validatedAt).toLocaleString()}`
                    : 'Not set'
                }
                name={kind}
                autoComplete="off"
                disabled={!manage}
                value={values[kind] ?? ''}
                onChange={(event) => {
                  const next = event.currentTarget.value;
                  setValues((previous) => ({ ...previous, [kind]: next }));
                }}
                style={{ flex: '1 1 260px' }}
              />
              <Button
                type="submit"
                variant="light"
                disabled={!manage || !(values[kind] ?? '').trim()}
                loading={save.isPending && save.variables === kind}
              >
                {record ? 'Replace key' : 'Save key'}
              </Button>
            </Group>
          </form>
        );
      })}
      {save.isError ? (
        <Text c="red" size="sm" role="alert">
          {errorMessage(save.error)}
        </Text>
      ) : null}
      <DeliveryNote delivery={save.data?.delivery} />
    </Stack>
  );
}

export function AgentsPage() {
  const workspace = useCurrentWorkspace();
  const agents = useAgents(workspace.id);
  const client = useQueryClient();
  const manage = canManage(workspace);
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (agentId: string) =>
      unwrap(api.DELETE('/api/workspaces/{id}/agents/{agentId}', { params: { path: { id: workspace.id, agentId } } })),
    onSettled: () => void client.invalidateQueries({ queryKey: workspaceKeys.agents(workspace.id) }),
  });

  return (
    <Stack gap="md">
      <Card withBorder>
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4">
            Agents
          </Title>
          {manage && editing !== 'new' ? (
            <Button size="xs" onClick={() => setEditing('new')}>
              New agent
            </Button>
          ) : null}
        </Group>
        {editing === 'new' ? (
          <Card withBorder mb="md">
            <AgentForm workspaceId={workspace.id} onDone={() => setEditing(null)} />
          </Card>
        ) : null}
        {agents.isPending ? (
          <Loading />
        ) : agents.isError ? (
          <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />
        ) : agents.data.length === 0 ? (
          <EmptyState title="No agents yet">
            Create an agent, give it instructions and a model, then connect a channel.
          </EmptyState>
        ) : (
          <Stack gap="sm">
            {agents.data.map((agent) => (
              <Card key={agent.id} withBorder padding="sm" data-testid="agent">
                {editing === agent.id ? (
                  <AgentForm workspaceId={workspace.id} agent={agent} onDone={() => setEditing(null)} />
                ) : (
                  <Group justify="space-between" wrap="wrap" align="flex-start">
                    <div style={{ minWidth: 0, flex: '1 1 240px' }}>
                      <Group gap="xs">
                        <Text fw={600}>{agent.name}</Text>
                        <Badge size="xs" variant="light" color={agent.enabled ? 'green' : 'gray'}>
                          {agent.enabled ? 'enabled' : 'disabled'}
                        </Badge>
                      </Group>
                      <Text size="xs" c="dimmed">
                        {agent.provider} · {agent.model}
                      </Text>
                      <Text size="sm" lineClamp={2} mt={4} c={agent.instructions ? undefined : 'dimmed'}>
                        {agent.instructions || 'No instructions.'}
                      </Text>
                    </div>
                    {manage ? (
                      <Group gap="xs">
                        <Button size="xs" variant="default" onClick={() => setEditing(agent.id)}>
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => remove.mutate(agent.id)}
                          loading={remove.isPending && remove.variables === agent.id}
                        >
                          Delete
                        </Button>
                      </Group>
                    ) : null}
                  </Group>
                )}
              </Card>
            ))}
          </Stack>
        )}
        {remove.isError ? (
          <Text c="red" size="sm" role="alert" mt="xs">
            {errorMessage(remove.error)}
          </Text>
        ) : null}
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Model provider keys
        </Title>
        <ApiKeys workspaceId={workspace.id} manage={manage} />
      </Card>
    </Stack>
  );
}
