import { Alert, Button, Group, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { useAgents } from '../../api/queries';
import { CopyField } from '../CopyField';
import { useApiKeyMutations } from './api-key-queries';

/** The key right after creation: shown this once, never again. */
function ShownOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <Alert color="yellow" variant="light" title="Copy the API key now" data-testid="api-key-notice">
      <Stack gap="xs">
        <Text size="sm">
          It is shown only this once: Enclave keeps its mask and fingerprint, your server keeps only its hash.
        </Text>
        <CopyField label="API key" value={secret} testId="api-key-secret" />
        <Button size="xs" variant="default" onClick={onDone} w="fit-content">
          I have copied it
        </Button>
      </Stack>
    </Alert>
  );
}

/** A new key: name, the agent it may use, history, requests per minute. */
export function CreateApiKey({ workspaceId }: { workspaceId: string }) {
  const agents = useAgents(workspaceId);
  const [name, setName] = useState('');
  const [agentId, setAgentId] = useState<string | null>(null);
  const [history, setHistory] = useState(false);
  const [perMinute, setPerMinute] = useState<number>(60);
  const [secret, setSecret] = useState<string | null>(null);
  const { create } = useApiKeyMutations(workspaceId);
  const options = (agents.data ?? []).map((a) => ({ value: a.id, label: a.name }));
  return (
    <Stack gap="xs">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!agentId) return;
          create.mutate(
            { name: name.trim(), agentId, history, requestsPerMinute: perMinute },
            {
              onSuccess: (r) => {
                setSecret(r.secret);
                setName('');
              },
            },
          );
        }}
      >
        <Stack gap="xs">
          <TextInput
            label="Name"
            placeholder="Website backend"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            maxLength={100}
            required
          />
          <Select
            label="Agent"
            placeholder="The agent this key may use"
            data={options}
            value={agentId}
            onChange={setAgentId}
            required
          />
          <NumberInput
            label="Requests per minute"
            min={1}
            max={6000}
            value={perMinute}
            onChange={(v) => setPerMinute(typeof v === 'number' ? v : 60)}
          />
          <Switch
            label="Keep history"
            description="Off: nothing of requests or replies is stored on your server. On: conversation_id continues a stored conversation, shown in the inbox."
            checked={history}
            onChange={(e) => setHistory(e.currentTarget.checked)}
          />
          <Group>
            <Button type="submit" size="xs" loading={create.isPending} disabled={!name.trim() || !agentId}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
      {create.isError ? (
        <Text c="red" size="sm" role="alert">
          {errorMessage(create.error)}
        </Text>
      ) : null}
      {secret ? <ShownOnce secret={secret} onDone={() => setSecret(null)} /> : null}
    </Stack>
  );
}
