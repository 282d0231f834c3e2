import { Card, Grid, Stack, Text, Title } from '@mantine/core';
import { AddEndpoint } from '../../components/webhooks/AddEndpoint';
import { EndpointCard } from '../../components/webhooks/EndpointCard';
import { TranscriptsForm } from '../../components/webhooks/TranscriptsForm';
import { useWebhookEndpoints } from '../../components/webhooks/webhook-queries';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useNodeSession } from '../../node/node-session';
import { useNodeEndpoints } from '../../node/webhooks-api';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

/** The node's view of the endpoints, only once a node session exists (no server yet: none). */
function useNodeView(workspaceId: string, ready: boolean) {
  const view = useNodeEndpoints(workspaceId, ready);
  return ready ? view.data?.endpoints : undefined;
}

function Endpoints({ workspaceId, manage, nodeReady }: { workspaceId: string; manage: boolean; nodeReady: boolean }) {
  const endpoints = useWebhookEndpoints(workspaceId);
  const onNode = useNodeView(workspaceId, nodeReady);
  if (endpoints.isPending) return <Loading />;
  if (endpoints.isError) return <ErrorState error={endpoints.error} onRetry={() => void endpoints.refetch()} />;
  if (endpoints.data.length === 0)
    return (
      <EmptyState title="No webhook endpoints yet">
        Add a URL and the events it wants; your server signs every request it sends there.
      </EmptyState>
    );
  return (
    <Stack gap="sm">
      {endpoints.data.map((e) => (
        <EndpointCard
          key={e.id}
          workspaceId={workspaceId}
          endpoint={e}
          onNode={onNode?.find((n) => n.id === e.id)}
          manage={manage}
        />
      ))}
    </Stack>
  );
}

/**
 * Webhooks and transcripts: configured here (the control plane keeps URLs, events and masked
 * secrets), sent by the workspace's own server, whose delivery log this page reads directly.
 */
export function WebhooksPage() {
  const workspace = useCurrentWorkspace();
  const manage = canManage(workspace);
  const session = useNodeSession(workspace.id);
  return (
    <Stack gap="md">
      <Title order={2} size="h3">
        Webhooks
      </Title>
      <Text size="xs" c="dimmed">
        Events leave from your server, signed per the Standard Webhooks specification (webhook-id, webhook-timestamp,
        webhook-signature), and are retried for about a day. Their content never passes through Enclave.
      </Text>
      <Grid gutter="lg">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Endpoints workspaceId={workspace.id} manage={manage} nodeReady={!!session.data} />
        </Grid.Col>
        {manage ? (
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Card withBorder padding="md">
              <Stack gap="xs">
                <Title order={3} size="h4">
                  Add an endpoint
                </Title>
                <AddEndpoint workspaceId={workspace.id} />
              </Stack>
            </Card>
          </Grid.Col>
        ) : null}
      </Grid>
      <Title order={2} size="h3">
        Transcripts by email
      </Title>
      <Text size="xs" c="dimmed">
        When a conversation is resolved (or goes quiet), your server mails its transcript to the addresses below through
        your own mail provider. Enclave never sends or sees a transcript.
      </Text>
      <TranscriptsForm workspaceId={workspace.id} manage={manage} />
    </Stack>
  );
}
