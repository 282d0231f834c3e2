import { Anchor, Badge, Button, Card, Group, NumberInput, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, errorMessage, type FleetUpgrade, unwrap } from '../../api/client';
import { EmptyState, ErrorState, Loading } from '../../components/States';

const fleetKey = ['staff', 'fleet'] as const;
const hostsKey = ['staff', 'hosts'] as const;

function UpgradeStatus({ upgrade }: { upgrade: FleetUpgrade }) {
  const live = useQuery({
    queryKey: ['staff', 'fleet', 'upgrade', upgrade.id],
    queryFn: () =>
      unwrap(api.GET('/api/staff/fleet/upgrades/{upgradeId}', { params: { path: { upgradeId: upgrade.id } } })),
    initialData: upgrade,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? 2000 : false),
  });
  const data = live.data;
  return (
    <Stack gap={4} data-testid="fleet-upgrade">
      <Group gap="xs">
        <Text size="sm">Roll-out {data.id.slice(0, 8)}</Text>
        <Badge size="sm" color={data.status === 'succeeded' ? 'green' : data.status === 'failed' ? 'red' : 'blue'}>
          {data.status}
        </Badge>
        <Text size="xs" c="dimmed">
          batch size {data.batchSize} · {data.results.length} node result(s)
        </Text>
      </Group>
      {data.results.map((result, index) => (
        <Text key={index} size="xs" ff="monospace">
          {JSON.stringify(result)}
        </Text>
      ))}
    </Stack>
  );
}

export function StaffFleetPage() {
  const client = useQueryClient();
  const fleet = useQuery({
    queryKey: fleetKey,
    queryFn: () => unwrap(api.GET('/api/staff/fleet/nodes')),
    refetchInterval: 30_000,
  });
  const hosts = useQuery({ queryKey: hostsKey, queryFn: () => unwrap(api.GET('/api/staff/hosts')) });
  const [batchSize, setBatchSize] = useState<number | string>(1);
  const upgrade = useMutation({
    mutationFn: () => unwrap(api.POST('/api/staff/fleet/upgrades', { body: { batchSize: Number(batchSize) } })),
    onSettled: () => void client.invalidateQueries({ queryKey: fleetKey }),
  });
  const reconcile = useMutation({ mutationFn: () => unwrap(api.POST('/api/staff/fleet/reconcile')) });

  return (
    <Stack gap="md">
      <Card withBorder>
        <Group justify="space-between" mb="sm" wrap="wrap">
          <Title order={2} size="h4">
            Nodes
          </Title>
          <Button size="xs" variant="default" onClick={() => reconcile.mutate()} loading={reconcile.isPending}>
            Reconcile now
          </Button>
        </Group>
        {reconcile.data ? (
          <Text size="xs" c="dimmed" mb="xs">
            Reconciliation queued (job {reconcile.data.jobId}).
          </Text>
        ) : null}
        {fleet.isPending ? (
          <Loading />
        ) : fleet.isError ? (
          <ErrorState error={fleet.error} onRetry={() => void fleet.refetch()} />
        ) : fleet.data.length === 0 ? (
          <EmptyState title="No nodes yet">Nodes appear once a paid workspace has been provisioned.</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table fz="sm" striped data-testid="fleet-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Workspace</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Reported</Table.Th>
                  <Table.Th>Last heartbeat</Table.Th>
                  <Table.Th>Host</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fleet.data.map((node) => (
                  <Table.Tr key={node.nodeId}>
                    <Table.Td>
                      <Anchor component={Link} to={`/staff/workspaces/${node.workspaceId}`}>
                        {node.slug}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Badge
                        size="sm"
                        variant="light"
                        color={node.status === 'healthy' ? 'green' : node.status === 'offline' ? 'red' : 'blue'}
                      >
                        {node.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{node.version ?? '—'}</Table.Td>
                    <Table.Td>{node.reportedVersion ?? '—'}</Table.Td>
                    <Table.Td>
                      {node.lastHeartbeatAt ? new Date(node.lastHeartbeatAt).toLocaleString() : 'never'}
                    </Table.Td>
                    <Table.Td>{node.host ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Roll out the current node version
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Upgrades every node to the current agent-node bundle, a batch at a time; a node that fails its health check is
          rolled back and the roll-out stops.
        </Text>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            upgrade.mutate();
          }}
        >
          <Group align="flex-end" wrap="wrap">
            <NumberInput label="Batch size" min={1} max={100} value={batchSize} onChange={setBatchSize} w={140} />
            <Button type="submit" loading={upgrade.isPending}>
              Start roll-out
            </Button>
          </Group>
        </form>
        {upgrade.isError ? (
          <Text c="red" size="sm" role="alert" mt="xs">
            {errorMessage(upgrade.error)}
          </Text>
        ) : null}
        {upgrade.data ? (
          <Card withBorder mt="sm" padding="sm">
            <UpgradeStatus upgrade={upgrade.data} />
          </Card>
        ) : null}
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Host pool
        </Title>
        {hosts.isPending ? (
          <Loading />
        ) : hosts.isError ? (
          <ErrorState error={hosts.error} onRetry={() => void hosts.refetch()} />
        ) : hosts.data.length === 0 ? (
          <EmptyState title="No hosts registered">
            Register pre-provisioned hosts with POST /api/staff/hosts (name, address, SSH host key fingerprint).
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>Provider</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Workspace</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {hosts.data.map((host) => (
                  <Table.Tr key={host.id}>
                    <Table.Td>{host.name}</Table.Td>
                    <Table.Td ff="monospace">
                      {host.address}:{host.sshPort}
                    </Table.Td>
                    <Table.Td>{host.provider}</Table.Td>
                    <Table.Td>{host.status}</Table.Td>
                    <Table.Td>
                      {host.workspaceId ? (
                        <Anchor component={Link} to={`/staff/workspaces/${host.workspaceId}`}>
                          {host.workspaceId.slice(0, 8)}
                        </Anchor>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
    </Stack>
  );
}
