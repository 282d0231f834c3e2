import { Button, Stack, Text, Textarea, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../api/client';
import { type InboxSettings, useInboxSettings, useSaveInboxSettings } from '../../node/inbox-api';
import { ErrorState, Loading } from '../States';

function HandoffForm({ workspaceId, settings }: { workspaceId: string; settings: InboxSettings }) {
  const save = useSaveInboxSettings(workspaceId);
  const [phrases, setPhrases] = useState(settings.handoffPhrases.join('\n'));
  const [handoffMessage, setHandoffMessage] = useState(settings.handoffMessage);
  const [handbackMessage, setHandbackMessage] = useState(settings.handbackMessage);

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({
      handoffPhrases: phrases
        .split('\n')
        .map((phrase) => phrase.trim())
        .filter(Boolean),
      handoffMessage,
      handbackMessage,
    });
  }

  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        <Textarea
          label="Handoff phrases"
          description="One per line. When an end user writes one, the agent hands the conversation to your team."
          autosize
          minRows={3}
          value={phrases}
          onChange={(event) => setPhrases(event.currentTarget.value)}
        />
        <Textarea
          label="Handoff message"
          description="Sent to the end user when people take over."
          autosize
          minRows={2}
          value={handoffMessage}
          onChange={(event) => setHandoffMessage(event.currentTarget.value)}
        />
        <Textarea
          label="Hand-back message"
          description="Sent to the end user when the agent answers again."
          autosize
          minRows={2}
          value={handbackMessage}
          onChange={(event) => setHandbackMessage(event.currentTarget.value)}
        />
        {save.isError ? (
          <Text size="sm" c="red" role="alert">
            {errorMessage(save.error)}
          </Text>
        ) : null}
        {save.isSuccess ? (
          <Text size="sm" c="green" role="status">
            Saved.
          </Text>
        ) : null}
        <Button type="submit" loading={save.isPending} style={{ alignSelf: 'flex-start' }}>
          Save handoff settings
        </Button>
      </Stack>
    </form>
  );
}

/** When the agent hands a conversation to people and what the end user is told, for owners and admins. */
export function HandoffSettings({ workspaceId }: { workspaceId: string }) {
  const settings = useInboxSettings(workspaceId);
  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Handoff
      </Title>
      {settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
      ) : (
        <HandoffForm workspaceId={workspaceId} settings={settings.data} />
      )}
    </Stack>
  );
}
