import { Box, Paper, ScrollArea, Stack, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import type { ConversationThread, InboxMessage, InboxNote } from '../../node/protocol';
import { EmptyState } from '../States';
import { contactName, formatWhen } from './inbox-view';

type Entry = { kind: 'message'; at: string; message: InboxMessage } | { kind: 'note'; at: string; note: InboxNote };

/** Messages and internal notes in one timeline, oldest first. */
function timeline(thread: ConversationThread): Entry[] {
  const entries: Entry[] = [
    ...thread.messages.map((message) => ({ kind: 'message' as const, at: message.createdAt, message })),
    ...thread.notes.map((note) => ({ kind: 'note' as const, at: note.createdAt, note })),
  ];
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

const BUBBLE_COLORS: Record<InboxMessage['author'], string> = {
  end_user: 'gray.0',
  agent: 'indigo.0',
  human: 'teal.0',
};

function MessageBubble({ message, author }: { message: InboxMessage; author: string }) {
  const outbound = message.direction === 'out';
  return (
    <Box style={{ alignSelf: outbound ? 'flex-end' : 'flex-start', maxWidth: '85%' }}>
      <Paper component="article" p="xs" bg={BUBBLE_COLORS[message.author]} withBorder data-author={message.author}>
        <Text size="xs" fw={600} c="dimmed">
          {author} · {formatWhen(message.createdAt)}
        </Text>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {message.text ?? `(${message.kind})`}
        </Text>
        {message.deliveryStatus === 'failed' ? (
          <Text size="xs" c="red">
            Not delivered
          </Text>
        ) : null}
        {message.deliveryStatus === 'window_closed' ? (
          <Text size="xs" c="orange.8">
            Not sent: more than 24 hours since the customer&apos;s last message (WhatsApp)
          </Text>
        ) : null}
      </Paper>
    </Box>
  );
}

function NoteCard({ note, author }: { note: InboxNote; author: string }) {
  return (
    <Paper
      component="article"
      p="xs"
      withBorder
      bg="yellow.0"
      style={{ borderColor: 'var(--mantine-color-yellow-5)', borderStyle: 'dashed' }}
      data-testid="internal-note"
    >
      <Text size="xs" fw={700} c="yellow.9">
        Internal note — never sent
      </Text>
      <Text size="xs" c="dimmed">
        {author} · {formatWhen(note.createdAt)}
      </Text>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {note.text}
      </Text>
    </Paper>
  );
}

interface ThreadProps {
  thread: ConversationThread;
  /** A teammate's display name from their control-plane user id. */
  memberName(userId: string | null): string;
}

export function Thread({ thread, memberName }: ThreadProps) {
  const viewport = useRef<HTMLDivElement>(null);
  const entries = timeline(thread);
  const contact = contactName(thread.conversation);

  // Keep the newest message in view as the thread grows.
  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [entries.length]);

  if (entries.length === 0) return <EmptyState title="No messages yet" />;
  return (
    <ScrollArea.Autosize mah="60vh" viewportRef={viewport} type="auto">
      <Stack gap="xs" p={2} role="log" aria-label="Messages">
        {entries.map((entry) =>
          entry.kind === 'note' ? (
            <NoteCard key={`note-${entry.note.id}`} note={entry.note} author={memberName(entry.note.authorId)} />
          ) : (
            <MessageBubble
              key={`message-${entry.message.id}`}
              message={entry.message}
              author={
                entry.message.author === 'end_user'
                  ? contact
                  : entry.message.author === 'agent'
                    ? 'Agent'
                    : memberName(entry.message.authorId)
              }
            />
          ),
        )}
      </Stack>
    </ScrollArea.Autosize>
  );
}
