import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import { useNodeHealth, useProvisioning, useUsage } from '../../api/queries';
import { EmptyState, ErrorState, Loading, statusLabel } from '../../components/States';
import { DaysControl } from '../../components/DaysControl';

// recharts is the biggest dependency: loaded only when there is something to draw.
const UsageChart = lazy(() => import('../../components/UsageChart').then((m) => ({ default: m.UsageChart })));
import { useCurrentWorkspace } from './WorkspaceLayout';

const HEALTH_COLOR: Record<string, string> = {
  healthy: 'green',
  enrolled: 'blue',
  installing: 'blue',
  degraded: 'orange',
  offline: 'red',
};

function Fact({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div" data-testid={testId} style={{ overflowWrap: 'anywhere' }}>
        {value}
      </Text>
    </div>
  );
}

function HealthCard({ workspaceId }: { workspaceId: string }) {
  const health = useNodeHealth(workspaceId);
  const provisioning = useProvisioning(workspaceId);
  if (health.isPending) return <Loading />;
  if (health.isError) return <ErrorState error={health.error} onRetry={() => void health.refetch()} />;
  const node = health.data.node;
  if (!node)
    return (
      <EmptyState title="No node yet">
        Health, node version, hostname and the last heartbeat appear here once your server has been provisioned.
      </EmptyState>
    );
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} data-testid="node-health">
      <Fact
        label="Health"
        value={
          <Badge color={HEALTH_COLOR[node.status] ?? 'gray'} variant="light">
            {node.status}
          </Badge>
        }
      />
      <Fact label="Node version" value={node.version ?? '—'} />
      <Fact label="Hostname" value={provisioning.data?.hostname ?? '—'} />
      <Fact
        label="Last heartbeat"
        value={node.lastHeartbeatAt ? new Date(node.lastHeartbeatAt).toLocaleString() : 'never'}
      />
    </SimpleGrid>
  );
}

function UsageCard({ workspaceId }: { workspaceId: string }) {
  const [days, setDays] = useState(30);
  const usage = useUsage(workspaceId, days);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={2} size="h4">
          Messages per day
        </Title>
        <DaysControl value={days} onChange={setDays} />
      </Group>
      {usage.isPending ? (
        <Loading />
      ) : usage.isError ? (
        <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />
      ) : usage.data.totals.inbound + usage.data.totals.outbound === 0 ? (
        <EmptyState title="No messages yet">
          Message counts per channel appear once your agent is live and answering.
        </EmptyState>
      ) : (
        <Suspense fallback={<Loading label="Drawing the chart…" />}>
          <UsageChart usage={usage.data} />
        </Suspense>
      )}
    </Card>
  );
}

export function OverviewPage() {
  const workspace = useCurrentWorkspace();
  return (
    <Stack gap="md">
      {workspace.status === 'pending_payment' ? (
        <Alert color="yellow" title="Waiting for payment">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">Your dedicated server is set up as soon as the subscription is paid.</Text>
            <Button component={Link} to="billing" size="xs">
              Choose a plan
            </Button>
          </Stack>
        </Alert>
      ) : null}
      {workspace.status === 'provisioning' || workspace.status === 'provisioning_failed' ? (
        <Alert
          color={workspace.status === 'provisioning' ? 'blue' : 'red'}
          title={workspace.status === 'provisioning' ? 'Setting up your server' : 'Provisioning failed'}
        >
          <Button component={Link} to="provisioning" size="xs" variant="light">
            Follow the progress
          </Button>
        </Alert>
      ) : null}
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Status
        </Title>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <Fact label="Workspace" value={statusLabel(workspace.status)} testId="overview-status" />
          <Fact label="Your role" value={workspace.role} />
          <Fact label="Slug" value={workspace.slug} />
          <Fact label="Created" value={new Date(workspace.createdAt).toLocaleString()} />
        </SimpleGrid>
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Server health
        </Title>
        <HealthCard workspaceId={workspace.id} />
      </Card>
      <UsageCard workspaceId={workspace.id} />
    </Stack>
  );
}
