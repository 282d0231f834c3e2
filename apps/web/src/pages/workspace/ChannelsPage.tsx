import {
  Badge,
  Button,
  Card,
  Group,
  NativeSelect,
  PasswordInput,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { type Agent, api, type Channel, type CreateChannelBody, errorMessage, unwrap } from '../../api/client';
import { useAgents, useChannels, useProvisioning, workspaceKeys } from '../../api/queries';
import { CopyField } from '../../components/CopyField';
import { DeliveryNote } from '../../components/Delivery';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

function webhookUrl(hostname: string | undefined, path: string): string {
  return hostname ? `https://${hostname}${path}` : path;
}

function ConnectForm({ workspaceId, agents }: { workspaceId: string; agents: Agent[] }) {
  const client = useQueryClient();
  const [type, setType] = useState<'telegram' | 'whatsapp'>('telegram');
  const [agentId, setAgentId] = useState(agents[0]?.id ?? '');
  const [botToken, setBotToken] = useState('');
  const [phoneNumberId, setPhoneNumberId] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [appSecret, setAppSecret] = useState('');
  const create = useMutation({
    mutationFn: () => {
      const body: CreateChannelBody =
        type === 'telegram'
          ? { type, agentId, botToken: botToken.trim() }
          : {
              type,
              agentId,
              phoneNumberId: phoneNumberId.trim(),
              accessToken: accessToken.trim(),
              appSecret: appSecret.trim(),
            };
      return unwrap(api.POST('/api/workspaces/{id}/channels', { params: { path: { id: workspaceId } }, body }));
    },
    onSuccess: () => {
      setBotToken('');
      setAccessToken('');
      setAppSecret('');
      void client.invalidateQueries({ queryKey: workspaceKeys.channels(workspaceId) });
    },
  });
  const ready =
    agentId && (type === 'telegram' ? botToken.trim() : phoneNumberId.trim() && accessToken.trim() && appSecret.trim());
  function submit(event: FormEvent) {
    event.preventDefault();
    if (ready) create.mutate();
  }
  const created = create.data?.channel;
  return (
    <form onSubmit={submit} aria-label="Connect a channel">
      <Stack gap="sm">
        <SegmentedControl
          value={type}
          onChange={(value) => setType(value as 'telegram' | 'whatsapp')}
          data={[
            { value: 'telegram', label: 'Telegram' },
            { value: 'whatsapp', label: 'WhatsApp' },
          ]}
          aria-label="Channel type"
        />
        <NativeSelect
          label="Agent"
          name="agentId"
          value={agentId}
          onChange={(event) => setAgentId(event.currentTarget.value)}
          data={agents.map((agent) => ({ value: agent.id, label: agent.name }))}
        />
        {type === 'telegram' ? (
          <PasswordInput
            label="Bot token"
            description="From @BotFather, e.g. 123456789:AA… — checked with Telegram, then handed to your server."
            name="botToken"
            autoComplete="off"
            value={botToken}
            onChange={(event) => setBotToken(event.currentTarget.value)}
          />
        ) : (
          <>
            <TextInput
              label="Phone number id"
              name="phoneNumberId"
              inputMode="numeric"
              value={phoneNumberId}
              onChange={(event) => setPhoneNumberId(event.currentTarget.value)}
            />
            <PasswordInput
              label="Access token"
              name="accessToken"
              autoComplete="off"
              value={accessToken}
              onChange={(event) => setAccessToken(event.currentTarget.value)}
            />
            <PasswordInput
              label="App secret"
              name="appSecret"
              autoComplete="off"
              value={appSecret}
              onChange={(event) => setAppSecret(event.currentTarget.value)}
            />
          </>
        )}
        {create.isError ? (
          <Text c="red" size="sm" role="alert">
            {errorMessage(create.error)}
          </Text>
        ) : null}
        {created?.telegram?.botUsername ? (
          <Text c="green" size="sm" role="status" data-testid="bot-username">
            Connected to @{created.telegram.botUsername}
          </Text>
        ) : null}
        <DeliveryNote delivery={create.data?.delivery} />
        <Group>
          <Button type="submit" loading={create.isPending} disabled={!ready}>
            Connect {type === 'telegram' ? 'Telegram' : 'WhatsApp'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ChannelCard({
  channel,
  agents,
  hostname,
  workspaceId,
  manage,
}: {
  channel: Channel;
  agents: Agent[];
  hostname?: string;
  workspaceId: string;
  manage: boolean;
}) {
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey: workspaceKeys.channels(workspaceId) });
  const [token, setToken] = useState('');
  const update = useMutation({
    mutationFn: (body: { enabled?: boolean; agentId?: string }) =>
      unwrap(
        api.PATCH('/api/workspaces/{id}/channels/{channelId}', {
          params: { path: { id: workspaceId, channelId: channel.id } },
          body,
        }),
      ),
    onSettled: refresh,
  });
  const rotate = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/workspaces/{id}/channels/{channelId}/credentials', {
          params: { path: { id: workspaceId, channelId: channel.id } },
          body: channel.type === 'telegram' ? { botToken: token.trim() } : { accessToken: token.trim() },
        }),
      ),
    onSuccess: () => setToken(''),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () =>
      unwrap(
        api.DELETE('/api/workspaces/{id}/channels/{channelId}', {
          params: { path: { id: workspaceId, channelId: channel.id } },
        }),
      ),
    onSettled: refresh,
  });
  const failure = update.error ?? rotate.error ?? remove.error;
  return (
    <Card withBorder padding="sm" data-testid={`channel-${channel.type}`}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Group gap="xs">
            <Text fw={600}>
              {channel.type === 'telegram'
                ? `Telegram ${channel.telegram?.botUsername ? `@${channel.telegram.botUsername}` : ''}`
                : `WhatsApp ${channel.whatsapp?.displayPhoneNumber ?? channel.whatsapp?.phoneNumberId ?? ''}`}
            </Text>
            <Badge size="xs" variant="light" color={channel.enabled ? 'green' : 'gray'}>
              {channel.enabled ? 'on' : 'off'}
            </Badge>
          </Group>
          {manage ? (
            <Group gap="xs">
              <Switch
                size="xs"
                label="Enabled"
                checked={channel.enabled}
                onChange={(event) => update.mutate({ enabled: event.currentTarget.checked })}
              />
              <Button size="xs" variant="subtle" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
                Disconnect
              </Button>
            </Group>
          ) : null}
        </Group>
        {manage ? (
          <NativeSelect
            size="xs"
            label="Agent"
            value={channel.agentId}
            onChange={(event) => update.mutate({ agentId: event.currentTarget.value })}
            data={agents.map((agent) => ({ value: agent.id, label: agent.name }))}
            maw={320}
          />
        ) : null}
        {channel.whatsapp ? (
          <Stack gap="xs">
            <Text size="sm">In Meta's dashboard (WhatsApp → Configuration), set the webhook to:</Text>
            <CopyField
              label="Callback URL"
              value={webhookUrl(hostname, channel.webhookPath)}
              testId="whatsapp-webhook-url"
            />
            <CopyField label="Verify token" value={channel.whatsapp.verifyToken} testId="whatsapp-verify-token" />
          </Stack>
        ) : null}
        {manage ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (token.trim()) rotate.mutate();
            }}
          >
            <Group align="flex-end" gap="xs" wrap="wrap">
              <PasswordInput
                size="xs"
                label={channel.type === 'telegram' ? 'New bot token' : 'New access token'}
                autoComplete="off"
                value={token}
                onChange={(event) => setToken(event.currentTarget.value)}
                style={{ flex: '1 1 220px' }}
              />
              <Button size="xs" type="submit" variant="default" disabled={!token.trim()} loading={rotate.isPending}>
                Rotate
              </Button>
            </Group>
          </form>
        ) : null}
        {failure ? (
          <Text c="red" size="sm" role="alert">
            {errorMessage(failure)}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}

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
            <ConnectForm workspaceId={workspace.id} agents={agents.data} />
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
