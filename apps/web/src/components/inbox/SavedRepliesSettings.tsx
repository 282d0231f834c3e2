import { Button, Group, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../api/client';
import { useChangeSavedReply, useSavedReplies } from '../../node/inbox-api';
import { type SavedReply, savedReplyInputSchema } from '../../node/protocol';
import { EmptyState, ErrorState, Loading } from '../States';
import { REPLY_VARIABLE_NAMES } from './saved-reply-text';

function SavedReplyForm({
  workspaceId,
  editing,
  onDone,
}: {
  workspaceId: string;
  editing: SavedReply | null;
  onDone(): void;
}) {
  const change = useChangeSavedReply(workspaceId);
  const [shortcode, setShortcode] = useState(editing?.shortcode ?? '');
  const [text, setText] = useState(editing?.text ?? '');
  const [invalid, setInvalid] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const checked = savedReplyInputSchema.safeParse({ shortcode: shortcode.trim(), text });
    if (!checked.success) return setInvalid(checked.error.issues[0]?.message ?? 'Check the fields.');
    setInvalid(null);
    const input = checked.data;
    change.mutate(editing ? { kind: 'update', id: editing.id, input } : { kind: 'create', input }, {
      onSuccess: () => {
        setShortcode('');
        setText('');
        onDone();
      },
    });
  }

  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        <TextInput
          label="Shortcode"
          description="Typed after / in the reply box: a-z, 0-9, _ and -."
          leftSection="/"
          value={shortcode}
          onChange={(event) => setShortcode(event.currentTarget.value.toLowerCase())}
        />
        <Textarea
          label="Answer"
          description={`Placeholders: ${REPLY_VARIABLE_NAMES.map((name) => `{{${name}}}`).join(', ')}`}
          autosize
          minRows={3}
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
        />
        {invalid || change.isError ? (
          <Text size="sm" c="red" role="alert">
            {invalid ?? errorMessage(change.error)}
          </Text>
        ) : null}
        <Group gap="xs">
          <Button type="submit" loading={change.isPending}>
            {editing ? 'Save changes' : 'Add saved reply'}
          </Button>
          {editing ? (
            <Button variant="subtle" onClick={onDone}>
              Cancel
            </Button>
          ) : null}
        </Group>
      </Stack>
    </form>
  );
}

/** Saved replies, for owners and admins: the texts behind the reply box's `/shortcode` completion. */
export function SavedRepliesSettings({ workspaceId }: { workspaceId: string }) {
  const replies = useSavedReplies(workspaceId);
  const remove = useChangeSavedReply(workspaceId);
  const [editing, setEditing] = useState<SavedReply | null>(null);

  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Saved replies
      </Title>
      {replies.isPending ? (
        <Loading />
      ) : replies.isError ? (
        <ErrorState error={replies.error} onRetry={() => void replies.refetch()} />
      ) : replies.data.length === 0 ? (
        <EmptyState title="No saved replies yet">Add answers your team gives often.</EmptyState>
      ) : (
        <Stack gap="xs" data-testid="saved-replies">
          {replies.data.map((reply) => (
            <Group key={reply.id} justify="space-between" wrap="nowrap" align="flex-start">
              <div style={{ minWidth: 0 }}>
                <Text size="sm" ff="monospace">
                  /{reply.shortcode}
                </Text>
                <Text size="xs" c="dimmed" lineClamp={2}>
                  {reply.text}
                </Text>
              </div>
              <Group gap={4} wrap="nowrap">
                <Button
                  size="compact-xs"
                  variant="subtle"
                  aria-label={`Edit /${reply.shortcode}`}
                  onClick={() => setEditing(reply)}
                >
                  Edit
                </Button>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  aria-label={`Delete /${reply.shortcode}`}
                  onClick={() => remove.mutate({ kind: 'delete', id: reply.id })}
                >
                  Delete
                </Button>
              </Group>
            </Group>
          ))}
        </Stack>
      )}
      {remove.isError ? (
        <Text size="sm" c="red" role="alert">
          {errorMessage(remove.error)}
        </Text>
      ) : null}
      <SavedReplyForm
        key={editing?.id ?? 'new'}
        workspaceId={workspaceId}
        editing={editing}
        onDone={() => setEditing(null)}
      />
    </Stack>
  );
}
