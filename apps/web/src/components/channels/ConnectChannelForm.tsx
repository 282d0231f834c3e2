import { Button, Group, NativeSelect, PasswordInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Agent, api, type CreateChannelBody, errorMessage, unwrap } from '../../api/client';
import { workspaceKeys } from '../../api/queries';
import { DeliveryNote } from '../Delivery';
import { windowTemplateOf, WindowTemplateFields } from './WindowTemplateForm';

/** Connects a Telegram bot or a WhatsApp number to one of the workspace's agents. */
export function ConnectChannelForm({ workspaceId, agents }: { workspaceId: string; agents: Agent[] }) {
  const client = useQueryClient();
  const [type, setType] = useState<'telegram' | 'whatsapp'>('telegram');
  const [agentId, setAgentId] = useState(agents[0]?.id ?? '');
  const [botToken, setBotToken] = useState('');
  const [phoneNumberId, setPhoneNumberId] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [appSecret, setAppSecret] = useState('');
  const [templateName, setTemplateName] = useState('');
  const [templateLanguage, setTemplateLanguage] = useState('');
  const windowTemplate = windowTemplateOf(templateName, templateLanguage);
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
              ...(windowTemplate && windowTemplate !== 'incomplete' ? { windowTemplate } : {}),
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
    agentId &&
    (type === 'telegram'
      ? botToken.trim()
      : phoneNumberId.trim() && accessToken.trim() && appSecret.trim() && windowTemplate !== 'incomplete');
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
            <WindowTemplateFields
              name={templateName}
              language={templateLanguage}
              onName={setTemplateName}
              onLanguage={setTemplateLanguage}
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
