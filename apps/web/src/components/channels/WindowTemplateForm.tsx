import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Channel, errorMessage, unwrap } from '../../api/client';
import { workspaceKeys } from '../../api/queries';

type WindowTemplate = NonNullable<NonNullable<Channel['whatsapp']>['windowTemplate']>;

/** A name + language pair as the API takes it: both given, or neither (null). */
export function windowTemplateOf(name: string, language: string): WindowTemplate | null | 'incomplete' {
  const n = name.trim();
  const l = language.trim();
  if (!n && !l) return null;
  return n && l ? { name: n, language: l } : 'incomplete';
}

/** The two fields of a window template (shared by the connect form and the channel card). */
export function WindowTemplateFields(props: {
  name: string;
  language: string;
  onName: (value: string) => void;
  onLanguage: (value: string) => void;
  size?: 'xs' | 'sm';
}) {
  return (
    <Group align="flex-start" gap="xs" wrap="wrap" grow>
      <TextInput
        size={props.size}
        label="Window template name"
        description="Optional: an approved template without variables, e.g. reopen_conversation"
        name="windowTemplateName"
        value={props.name}
        onChange={(event) => props.onName(event.currentTarget.value)}
      />
      <TextInput
        size={props.size}
        label="Template language code"
        description="As in Meta's dashboard, e.g. en_US"
        name="windowTemplateLanguage"
        value={props.language}
        onChange={(event) => props.onLanguage(event.currentTarget.value)}
      />
    </Group>
  );
}

/**
 * WhatsApp accepts free-form messages only within 24 hours of the customer's last message. What
 * the node sends after that: this channel's approved template, or nothing (the reply is marked
 * "window closed"). Managers set or remove the template here.
 */
export function WindowTemplateForm({
  channel,
  workspaceId,
  manage,
}: {
  channel: Channel;
  workspaceId: string;
  manage: boolean;
}) {
  const client = useQueryClient();
  const current = channel.whatsapp?.windowTemplate ?? null;
  const [name, setName] = useState(current?.name ?? '');
  const [language, setLanguage] = useState(current?.language ?? '');
  const save = useMutation({
    mutationFn: (windowTemplate: WindowTemplate | null) =>
      unwrap(
        api.PATCH('/api/workspaces/{id}/channels/{channelId}', {
          params: { path: { id: workspaceId, channelId: channel.id } },
          body: { windowTemplate },
        }),
      ),
    onSettled: () => void client.invalidateQueries({ queryKey: workspaceKeys.channels(workspaceId) }),
  });
  const next = windowTemplateOf(name, language);
  const unchanged = JSON.stringify(next) === JSON.stringify(current);
  return (
    <Stack gap={4} data-testid="whatsapp-window-template">
      <Text size="sm">
        {current
          ? `More than 24 hours after the customer's last message, the template ${current.name} (${current.language}) is sent instead of a reply.`
          : "More than 24 hours after the customer's last message, WhatsApp refuses replies: they are not sent (no template set)."}
      </Text>
      {manage ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (next !== 'incomplete' && !unchanged) save.mutate(next);
          }}
        >
          <Group align="flex-end" gap="xs" wrap="wrap">
            <WindowTemplateFields name={name} language={language} onName={setName} onLanguage={setLanguage} size="xs" />
            <Button
              size="xs"
              type="submit"
              variant="default"
              disabled={next === 'incomplete' || unchanged}
              loading={save.isPending}
            >
              {next === null && current ? 'Remove template' : 'Save template'}
            </Button>
          </Group>
          {save.isError ? (
            <Text c="red" size="sm" role="alert">
              {errorMessage(save.error)}
            </Text>
          ) : null}
        </form>
      ) : null}
    </Stack>
  );
}
