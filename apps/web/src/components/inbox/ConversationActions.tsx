import { Button, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { useConversationCommand, useUpdateConversation } from '../../node/inbox-api';
import type { ConversationStatus, ConversationSummary } from '../../node/protocol';

const STATUS_OPTIONS: { value: ConversationStatus; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'pending', label: 'Pending' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'snoozed', label: 'Snoozed' },
];

/** A `datetime-local` value (local time, minutes) for a date. */
function localInputValue(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function tomorrowMorning(): Date {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  date.setHours(9, 0, 0, 0);
  return date;
}

interface ConversationActionsProps {
  workspaceId: string;
  conversation: ConversationSummary;
  myUserId: string;
  /** Owner or admin: may move to the trash and restore. */
  manage: boolean;
  memberName(userId: string | null): string;
}

/** Handoff, status (with snooze), assignment and the trash, for one conversation. */
export function ConversationActions({
  workspaceId,
  conversation,
  myUserId,
  manage,
  memberName,
}: ConversationActionsProps) {
  const command = useConversationCommand(workspaceId, conversation.id);
  const update = useUpdateConversation(workspaceId, conversation.id);
  const [snoozing, setSnoozing] = useState(false);
  const [snoozeUntil, setSnoozeUntil] = useState(() => localInputValue(tomorrowMorning()));
  const trashed = conversation.trashedAt !== null;
  const failure = command.error ?? update.error;
  const snoozeTime = new Date(snoozeUntil);
  const snoozeValid = !Number.isNaN(snoozeTime.getTime()) && snoozeTime.getTime() > Date.now();

  if (trashed)
    return (
      <Stack gap="xs">
        <Text size="sm" c="dimmed">
          In the trash since {new Date(conversation.trashedAt ?? '').toLocaleString()}.
        </Text>
        {manage ? (
          <Group>
            <Button variant="light" onClick={() => command.mutate('restore')} loading={command.isPending}>
              Restore
            </Button>
          </Group>
        ) : null}
        {failure ? (
          <Text size="sm" c="red" role="alert">
            {errorMessage(failure)}
          </Text>
        ) : null}
      </Stack>
    );

  return (
    <Stack gap="xs">
      <Group gap="xs" align="flex-end" wrap="wrap">
        {conversation.handler === 'agent' ? (
          <Button
            onClick={() => command.mutate('takeover')}
            loading={command.isPending && command.variables === 'takeover'}
          >
            Take over
          </Button>
        ) : (
          <Button
            variant="light"
            onClick={() => command.mutate('handback')}
            loading={command.isPending && command.variables === 'handback'}
          >
            Hand back to agent
          </Button>
        )}
        <NativeSelect
          label="Status"
          value={snoozing ? 'snoozed' : conversation.status}
          data={STATUS_OPTIONS}
          disabled={update.isPending}
          onChange={(event) => {
            const status = event.currentTarget.value as ConversationStatus;
            setSnoozing(status === 'snoozed');
            if (status !== 'snoozed') update.mutate({ status });
          }}
        />
        {conversation.assigneeId === myUserId ? null : (
          <Button variant="default" onClick={() => update.mutate({ assigneeId: myUserId })}>
            Assign to me
          </Button>
        )}
        {conversation.assigneeId === null ? null : (
          <Button variant="default" onClick={() => update.mutate({ assigneeId: null })}>
            Unassign
          </Button>
        )}
        {manage ? (
          <Button
            variant="subtle"
            color="red"
            onClick={() => command.mutate('trash')}
            loading={command.isPending && command.variables === 'trash'}
          >
            Move to trash
          </Button>
        ) : null}
      </Group>
      {snoozing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (!snoozeValid) return;
            update.mutate(
              { status: 'snoozed', snoozedUntil: snoozeTime.toISOString() },
              { onSuccess: () => setSnoozing(false) },
            );
          }}
        >
          <Group gap="xs" align="flex-end" wrap="wrap">
            <TextInput
              type="datetime-local"
              label="Snooze until"
              value={snoozeUntil}
              onChange={(event) => setSnoozeUntil(event.currentTarget.value)}
              error={snoozeValid ? undefined : 'Pick a time in the future.'}
            />
            <Button type="submit" disabled={!snoozeValid} loading={update.isPending}>
              Snooze
            </Button>
            <Button variant="subtle" onClick={() => setSnoozing(false)}>
              Cancel
            </Button>
          </Group>
        </form>
      ) : null}
      <Text size="xs" c="dimmed">
        {conversation.status === 'snoozed' && conversation.snoozedUntil
          ? `Snoozed until ${new Date(conversation.snoozedUntil).toLocaleString()}. `
          : ''}
        {conversation.assigneeId === null
          ? 'Not assigned.'
          : `Assigned to ${conversation.assigneeId === myUserId ? 'you' : memberName(conversation.assigneeId)}.`}
      </Text>
      {failure ? (
        <Text size="sm" c="red" role="alert">
          {errorMessage(failure)}
        </Text>
      ) : null}
    </Stack>
  );
}
