import { Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useProvisioningEvents } from '../../api/provisioning-events';
import { useProvisioning } from '../../api/queries';
import { ProvisioningSteps } from '../../components/ProvisioningSteps';
import { EmptyState, ErrorState, Loading, statusLabel } from '../../components/States';
import { useCurrentWorkspace } from './WorkspaceLayout';

export function ProvisioningPage() {
  const workspace = useCurrentWorkspace();
  const status = useProvisioning(workspace.id);
  const live = useProvisioningEvents(workspace.id, true);

  if (status.isPending) return <Loading />;
  if (status.isError) return <ErrorState error={status.error} onRetry={() => void status.refetch()} />;
  const data = status.data;
  const [latest, ...older] = data.runs;

  return (
    <Stack gap="md">
      <Card withBorder>
        <Group justify="space-between" mb="sm" wrap="wrap">
          <Title order={2} size="h4">
            Your server
          </Title>
          <Badge variant="dot" color={live.state === 'live' ? 'green' : 'gray'} data-testid="stream-state">
            {live.state === 'live' ? 'Live' : live.state === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          </Badge>
        </Group>
        <Text size="sm">
          Address: <b style={{ overflowWrap: 'anywhere' }}>{data.hostname}</b> · workspace{' '}
          {statusLabel(data.workspaceStatus)}
        </Text>
        {data.node ? (
          <Text size="sm" c="dimmed">
            Node {data.node.status}
            {data.node.version ? ` · version ${data.node.version}` : ''}
            {data.node.lastHeartbeatAt
              ? ` · last heartbeat ${new Date(data.node.lastHeartbeatAt).toLocaleString()}`
              : ''}
          </Text>
        ) : null}
      </Card>
      <Card withBorder data-testid="provisioning-run">
        {latest ? (
          <ProvisioningSteps run={latest} />
        ) : (
          <EmptyState title={data.workspaceStatus === 'pending_payment' ? 'Waiting for payment' : 'Queued'}>
            {data.workspaceStatus === 'pending_payment'
              ? 'Provisioning starts once the subscription is paid.'
              : 'Your server is queued; the steps appear here as soon as a worker picks it up.'}
          </EmptyState>
        )}
      </Card>
      <Card withBorder>
        <Title order={2} size="h5" mb="xs">
          Live log
        </Title>
        {live.events.length === 0 ? (
          <Text size="sm" c="dimmed">
            Step changes appear here as they happen.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={420}>
            <Table fz="xs" verticalSpacing={4} data-testid="provisioning-log">
              <Table.Tbody>
                {live.events.map((event, index) => (
                  <Table.Tr key={`${event.at}-${index}`}>
                    <Table.Td>{new Date(event.at).toLocaleTimeString()}</Table.Td>
                    <Table.Td>{event.step ?? `${event.action} run`}</Table.Td>
                    <Table.Td>{event.status}</Table.Td>
                    <Table.Td c="red">{event.error ?? ''}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {older.length > 0 ? (
        <Card withBorder>
          <Title order={2} size="h5" mb="xs">
            Earlier runs
          </Title>
          <Stack gap="lg">
            {older.map((run) => (
              <ProvisioningSteps key={run.id} run={run} />
            ))}
          </Stack>
        </Card>
      ) : null}
    </Stack>
  );
}
