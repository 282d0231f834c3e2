import { Badge, Button, Card, Group, NativeSelect, PasswordInput, Stack, Switch, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type Agent, api, type Channel, errorMessage, unwrap } from '../../api/client';
import { workspaceKeys } from '../../api/queries';
import { CopyField } from '../CopyField';
import { WindowTemplateForm } from './WindowTemplateForm';

function webhookUrl(hostname: string | undefined, path: string): string {
  return hostname ? `https://${hostname}${path}` : path;
}

/** One connected channel: its state, and for managers its switch, agent, credential rotation and disconnection. */
export function ChannelCard({
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
            <WindowTemplateForm channel={channel} workspaceId={workspaceId} manage={manage} />
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
