import { Badge, Button, Card, Divider, Group, Stack, Text, Title } from '@mantine/core';
import { errorMessage } from '../../api/client';
import {
  useAddNote,
  useEraseConversation,
  useSavedReplies,
  useSendReply,
  useThread,
  useUpdateConversation,
} from '../../node/inbox-api';
import type { ConversationSummary } from '../../node/protocol';
import { ErrorState, Loading } from '../States';
import { TypedConfirm } from '../TypedConfirm';
import { ConversationActions } from './ConversationActions';
import { CHANNEL_LABELS, contactName, CONVERSATION_STATUS_COLORS } from './inbox-view';
import { ReplyComposer } from './ReplyComposer';
import { TagEditor } from './TagEditor';
import { Thread } from './Thread';

/** Owners and admins erase from the trash only, so an erase is always a second, deliberate step. */
function EraseConversation({
  workspaceId,
  conversationId,
  onErased,
}: {
  workspaceId: string;
  conversationId: string;
  onErased(): void;
}) {
  const erase = useEraseConversation(workspaceId, conversationId);
  return (
    <Card withBorder padding="sm" style={{ borderColor: 'var(--mantine-color-red-4)' }}>
      <Text size="sm" fw={600} mb={4}>
        Erase permanently
      </Text>
      <Text size="xs" c="dimmed" mb="xs">
        Every message and note of this conversation is deleted from your server. This cannot be undone.
      </Text>
      <TypedConfirm
        phrase="erase"
        action="Erase permanently"
        loading={erase.isPending}
        onConfirm={() => erase.mutate(undefined, { onSuccess: onErased })}
      />
      {erase.isError ? (
        <Text size="sm" c="red" role="alert" mt="xs">
          {errorMessage(erase.error)}
        </Text>
      ) : null}
    </Card>
  );
}

function Header({ conversation }: { conversation: ConversationSummary }) {
  return (
    <div style={{ minWidth: 0 }}>
      <Title order={2} size="h4" style={{ overflowWrap: 'anywhere' }}>
        {contactName(conversation)}
      </Title>
      <Group gap={6} mt={4} wrap="wrap">
        <Badge size="sm" variant="outline" color="gray">
          {CHANNEL_LABELS[conversation.channel.type]}
        </Badge>
        {conversation.contact.handle && conversation.contact.name ? (
          <Text size="xs" c="dimmed">
            {conversation.contact.handle}
          </Text>
        ) : null}
        <Badge size="sm" variant="light" color={CONVERSATION_STATUS_COLORS[conversation.status]}>
          {conversation.status}
        </Badge>
        <Badge
          size="sm"
          variant={conversation.handler === 'human' ? 'filled' : 'light'}
          color={conversation.handler === 'human' ? 'teal' : 'indigo'}
        >
          {conversation.handler === 'human' ? 'people' : 'agent'}
        </Badge>
      </Group>
    </div>
  );
}

interface ConversationViewProps {
  workspaceId: string;
  conversationId: string;
  me: { id: string; name: string | null };
  manage: boolean;
  memberName(userId: string | null): string;
  /** Back to the list (the only way there on a phone, where the panes stack). */
  onClose(): void;
}

export function ConversationView({
  workspaceId,
  conversationId,
  me,
  manage,
  memberName,
  onClose,
}: ConversationViewProps) {
  const thread = useThread(workspaceId, conversationId);
  const savedReplies = useSavedReplies(workspaceId);
  const sendReply = useSendReply(workspaceId, conversationId);
  const addNote = useAddNote(workspaceId, conversationId);
  const update = useUpdateConversation(workspaceId, conversationId);

  const back = (
    <Button variant="subtle" size="xs" onClick={onClose} hiddenFrom="md" px={0} style={{ alignSelf: 'flex-start' }}>
      ← Back to conversations
    </Button>
  );
  if (thread.isPending) return <Loading label="Loading the conversation…" />;
  if (thread.isError)
    return (
      <Stack gap="xs">
        {back}
        <ErrorState error={thread.error} onRetry={() => void thread.refetch()} />
      </Stack>
    );

  const conversation = thread.data.conversation;
  const trashed = conversation.trashedAt !== null;
  return (
    <Stack gap="sm" data-testid="conversation">
      {back}
      <Header conversation={conversation} />
      <ConversationActions
        workspaceId={workspaceId}
        conversation={conversation}
        myUserId={me.id}
        manage={manage}
        memberName={memberName}
      />
      <TagEditor tags={conversation.tags} disabled={trashed} onChange={(tags) => update.mutateAsync({ tags })} />
      <Divider />
      <Thread thread={thread.data} memberName={memberName} />
      {trashed ? (
        manage ? (
          <EraseConversation workspaceId={workspaceId} conversationId={conversationId} onErased={onClose} />
        ) : null
      ) : (
        <ReplyComposer
          // A fresh box per conversation: a half-written reply never lands in the wrong one.
          key={conversationId}
          savedReplies={savedReplies.data ?? []}
          variables={{
            'contact.name': conversation.contact.name,
            'contact.handle': conversation.contact.handle,
            channel: CHANNEL_LABELS[conversation.channel.type],
            'me.name': me.name,
          }}
          onSend={(text) => sendReply.mutateAsync(text)}
          onNote={(text) => addNote.mutateAsync(text)}
          replyHint={
            conversation.handler === 'agent'
              ? 'The agent is still answering this conversation. Take over so it stops while you handle it.'
              : undefined
          }
        />
      )}
    </Stack>
  );
}
