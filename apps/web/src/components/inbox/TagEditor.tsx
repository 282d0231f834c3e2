import { ActionIcon, Badge, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../api/client';
import { updateConversationSchema } from '../../node/protocol';

interface TagEditorProps {
  tags: readonly string[];
  onChange(tags: string[]): Promise<unknown>;
  disabled?: boolean;
}

export function TagEditor({ tags, onChange, disabled }: TagEditorProps) {
  const [draft, setDraft] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(next: string[]) {
    // The node's own rule (1-32 letters, digits, _ - or space; at most 20), checked before asking it.
    const checked = updateConversationSchema.safeParse({ tags: next });
    if (!checked.success) {
      setFailure(checked.error.issues[0]?.message ?? 'That tag is not allowed.');
      return false;
    }
    setBusy(true);
    setFailure(null);
    try {
      await onChange(next);
      return true;
    } catch (error) {
      setFailure(errorMessage(error));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    const tag = draft.trim();
    if (!tag || tags.includes(tag)) return setDraft('');
    if (await save([...tags, tag])) setDraft('');
  }

  return (
    <Stack gap={4}>
      <Group gap={6} wrap="wrap" aria-label="Tags" role="group">
        {tags.length === 0 ? (
          <Text size="xs" c="dimmed">
            No tags
          </Text>
        ) : null}
        {tags.map((tag) => (
          <Badge
            key={tag}
            variant="light"
            color="gray"
            tt="none"
            rightSection={
              disabled ? null : (
                <ActionIcon
                  size="xs"
                  variant="transparent"
                  color="gray"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => void save(tags.filter((other) => other !== tag))}
                >
                  ✕
                </ActionIcon>
              )
            }
          >
            {tag}
          </Badge>
        ))}
      </Group>
      {disabled ? null : (
        <form onSubmit={(event) => void add(event)}>
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <TextInput
              size="xs"
              label="Add tag"
              value={draft}
              maxLength={32}
              onChange={(event) => setDraft(event.currentTarget.value)}
              style={{ flex: '1 1 160px' }}
            />
            <Button type="submit" size="xs" variant="light" loading={busy} disabled={!draft.trim()}>
              Add
            </Button>
          </Group>
        </form>
      )}
      {failure ? (
        <Text size="xs" c="red" role="alert">
          {failure}
        </Text>
      ) : null}
    </Stack>
  );
}
