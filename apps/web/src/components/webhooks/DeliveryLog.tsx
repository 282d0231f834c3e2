import { Button, Group, Stack, Table, Text } from '@mantine/core';
import { errorMessage } from '../../api/client';
import type { WebhookDeliveryStatus, WebhookDeliveryView } from '../../node/protocol';
import { useDeliveryLog, useReplay } from '../../node/webhooks-api';
import { ErrorState, Loading } from '../States';

const STATUS_COLOR: Record<WebhookDeliveryStatus, string> = {
  pending: 'yellow.8',
  delivered: 'green',
  failed: 'red',
  erased: 'gray',
  cancelled: 'gray',
};

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** What the last attempt got: the receiver's status code, or why there was no answer. */
function lastAnswer(d: WebhookDeliveryView): string {
  if (d.lastStatus !== null) return `HTTP ${d.lastStatus}`;
  if (d.lastError) return d.lastError.replace(/_/g, ' ');
  return '—';
}

/** An endpoint's delivery log, read from the node: status, attempts, answer and time, with a replay for admins. */
export function DeliveryLog({
  workspaceId,
  endpointId,
  manage,
}: {
  workspaceId: string;
  endpointId: string;
  manage: boolean;
}) {
  const log = useDeliveryLog(workspaceId, endpointId);
  const replay = useReplay(workspaceId);
  if (log.isPending) return <Loading label="Reading the delivery log from your server…" />;
  if (log.isError) return <ErrorState error={log.error} onRetry={() => void log.refetch()} />;
  const { deliveries } = log.data;
  if (deliveries.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No deliveries yet.
      </Text>
    );
  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={720}>
        <Table striped highlightOnHover data-testid={`delivery-log-${endpointId}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Event</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Attempts</Table.Th>
              <Table.Th>Last answer</Table.Th>
              <Table.Th>Time</Table.Th>
              <Table.Th>Last attempt</Table.Th>
              <Table.Th>Next attempt</Table.Th>
              {manage ? <Table.Th /> : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {deliveries.map((d) => (
              <Table.Tr key={d.id} data-testid="delivery-row">
                <Table.Td>
                  <Text size="sm" ff="monospace" title={d.id}>
                    {d.eventType}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={600} c={STATUS_COLOR[d.status]} data-status={d.status}>
                    {d.status}
                  </Text>
                </Table.Td>
                <Table.Td>{d.attempts}</Table.Td>
                <Table.Td>{lastAnswer(d)}</Table.Td>
                <Table.Td>{d.lastDurationMs === null ? '—' : `${d.lastDurationMs} ms`}</Table.Td>
                <Table.Td>{time(d.lastAttemptAt)}</Table.Td>
                <Table.Td>{time(d.nextAttemptAt)}</Table.Td>
                {manage ? (
                  <Table.Td>
                    {d.status === 'failed' || d.status === 'cancelled' || d.status === 'delivered' ? (
                      <Button
                        size="compact-xs"
                        variant="default"
                        loading={replay.isPending && replay.variables === d.id}
                        onClick={() => replay.mutate(d.id)}
                      >
                        Replay
                      </Button>
                    ) : null}
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {replay.isError ? (
        <Group>
          <Text c="red" size="sm" role="alert">
            {errorMessage(replay.error)}
          </Text>
        </Group>
      ) : null}
    </Stack>
  );
}
