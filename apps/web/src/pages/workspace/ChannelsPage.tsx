import { Card, Stack, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useAgents, useChannels, useProvisioning } from '../../api/queries';
import { ChannelCard } from '../../components/channels/ChannelCard';
import { ConnectChannelForm } from '../../components/channels/ConnectChannelForm';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

export function ChannelsPage() {
  const workspace = useCurrentWorkspace();
  const channels = useChannels(workspace.id);
  const agents = useAgents(workspace.id);
  const provisioning = useProvisioning(workspace.id);
  const manage = canManage(workspace);

  if (channels.isPending || agents.isPending) return <Loading />;
  if (channels.isError) return <ErrorState error={channels.error} onRetry={() => void channels.refetch()} />;
  if (agents.isError) return <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />;

  return (
    <Stack gap="md">
      {manage ? (
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Connect a channel
          </Title>
          {agents.data.length === 0 ? (
            <EmptyState title="Create an agent first">
              A channel hands its messages to an agent. <Link to="../agents">Create one</Link>.
            </EmptyState>
          ) : (
            <ConnectChannelForm workspaceId={workspace.id} agents={agents.data} />
          )}
        </Card>
      ) : null}
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Channels
        </Title>
        {channels.data.length === 0 ? (
          <EmptyState title="No channels yet">
            Connect a Telegram bot or a WhatsApp number to let people talk to your agent.
          </EmptyState>
        ) : (
          <Stack gap="sm">
            {channels.data.map((channel) => (
              <ChannelCard
                key={channel.id}
                channel={channel}
                agents={agents.data}
                hostname={provisioning.data?.hostname}
                workspaceId={workspace.id}
                manage={manage}
              />
            ))}
          </Stack>
        )}
      </Card>
    </Stack>
  );
}
