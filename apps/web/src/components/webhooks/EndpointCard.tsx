import { Badge, Button, Card, Collapse, Group, Stack, Switch, Text } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import type { WebhookEndpointView } from '../../node/protocol';
import { DeliveryLog } from './DeliveryLog';
import { SigningSecretNotice } from './SigningSecretNotice';
import { useEndpointMutations, type WebhookEndpoint } from './webhook-queries';

/** One endpoint: its URL and events, whether it is on (and why not), its secret's mask, and its delivery log. */
export function EndpointCard({
  workspaceId,
  endpoint,
  onNode,
  manage,
}: {
  workspaceId: string;
  endpoint: WebhookEndpoint;
  /** The node's view, once read (absent while the node is unreachable). */
  onNode?: WebhookEndpointView;
  manage: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState<string | null>(null);
  const { update, rotate, remove } = useEndpointMutations(workspaceId);
  const failure = update.error ?? rotate.error ?? remove.error;
  const counts = onNode?.counts;
  return (
    <Card withBorder padding="sm" data-testid={`endpoint-${endpoint.id}`}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Group gap="xs">
            <Text fw={600} ff="monospace" size="sm" style={{ wordBreak: 'break-all' }}>
              {endpoint.url}
            </Text>
            <Badge size="xs" variant="light" color={endpoint.enabled ? 'green' : 'gray'}>
              {endpoint.enabled ? 'on' : 'off'}
            </Badge>
            {endpoint.disabledReason === 'receiver_gone' ? (
              <Badge size="xs" color="red" variant="light" data-testid="endpoint-gone">
                disabled: the receiver answered 410 Gone
              </Badge>
            ) : null}
          </Group>
          {manage ? (
            <Group gap="xs">
              <Switch
                size="xs"
                label="Enabled"
                checked={endpoint.enabled}
                onChange={(e) => update.mutate({ endpointId: endpoint.id, enabled: e.currentTarget.checked })}
              />
              <Button
                size="xs"
                variant="default"
                loading={rotate.isPending}
                onClick={() => rotate.mutate(endpoint.id, { onSuccess: (r) => setShown(r.signingSecret ?? null) })}
              >
                New secret
              </Button>
              <Button
                size="xs"
                variant="subtle"
                color="red"
                loading={remove.isPending}
                onClick={() => remove.mutate(endpoint.id)}
              >
                Delete
              </Button>
            </Group>
          ) : null}
        </Group>
        <Group gap={4}>
          {endpoint.events.map((e) => (
            <Badge key={e} size="xs" variant="outline">
              {e}
            </Badge>
          ))}
        </Group>
        <Text size="xs" c="dimmed">
          Signing secret {endpoint.secret ? `${endpoint.secret.mask} · ${endpoint.secret.status}` : 'missing'}
          {counts
            ? ` · ${counts.delivered} delivered, ${counts.pending} pending, ${counts.failed} failed`
            : ' · delivery counts unavailable (your server did not answer)'}
        </Text>
        {shown ? <SigningSecretNotice secret={shown} onDone={() => setShown(null)} /> : null}
        <Button size="xs" variant="subtle" w="fit-content" onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide delivery log' : 'Delivery log'}
        </Button>
        <Collapse in={open}>
          {open ? <DeliveryLog workspaceId={workspaceId} endpointId={endpoint.id} manage={manage} /> : null}
        </Collapse>
        {failure ? (
          <Text c="red" size="sm" role="alert">
            {errorMessage(failure)}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}
