import { Button, Checkbox, Group, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../node/protocol';
import { SigningSecretNotice } from './SigningSecretNotice';
import { useEndpointMutations } from './webhook-queries';

const DESCRIPTIONS: Record<WebhookEventType, string> = {
  'conversation.started': 'a new conversation',
  'message.received': 'a message from a contact',
  'message.sent': 'a reply went out (agent or team)',
  'conversation.handoff_requested': 'handed to your team',
  'conversation.resolved': 'a conversation was resolved',
  'lead.created': "the widget's pre-chat form was filled",
};

/** A new endpoint: https URL and events; the signing secret is shown once, right after. */
export function AddEndpoint({ workspaceId }: { workspaceId: string }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['message.received', 'lead.created']);
  const [secret, setSecret] = useState<string | null>(null);
  const { create } = useEndpointMutations(workspaceId);
  return (
    <Stack gap="xs">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate(
            { url: url.trim(), events, enabled: true },
            {
              onSuccess: (r) => {
                setSecret(r.signingSecret ?? null);
                setUrl('');
              },
            },
          );
        }}
      >
        <Stack gap="xs">
          <TextInput
            label="Endpoint URL"
            placeholder="https://example.com/hooks/enclave"
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            required
          />
          <Checkbox.Group label="Events" value={events} onChange={(v) => setEvents(v as WebhookEventType[])}>
            <Stack gap={4} mt={4}>
              {WEBHOOK_EVENT_TYPES.map((e) => (
                <Checkbox key={e} value={e} size="xs" label={`${e} — ${DESCRIPTIONS[e]}`} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group>
            <Button type="submit" size="xs" loading={create.isPending} disabled={!url.trim() || events.length === 0}>
              Add endpoint
            </Button>
          </Group>
        </Stack>
      </form>
      {create.isError ? (
        <Text c="red" size="sm" role="alert">
          {errorMessage(create.error)}
        </Text>
      ) : null}
      {secret ? <SigningSecretNotice secret={secret} onDone={() => setSecret(null)} /> : null}
    </Stack>
  );
}
