import { Alert, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { EmptyState, statusLabel } from '../../components/States';
import { useCurrentWorkspace } from './WorkspaceLayout';

function Fact({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" data-testid={testId} style={{ overflowWrap: 'anywhere' }}>
        {value}
      </Text>
    </div>
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
        <EmptyState title="No node yet">Health, node version, hostname and the last heartbeat appear here once your server has been provisioned.</EmptyState>
      </Card>
      <Card withBorder>
        <Group justify="space-between">
          <Title order={2} size="h4">
            Messages per day
          </Title>
        </Group>
        <EmptyState title="No usage yet">Message counts per channel appear once your agent is live and answering.</EmptyState>
      </Card>
    </Stack>
  );
}
