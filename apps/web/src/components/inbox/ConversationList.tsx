import { Badge, Box, Button, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { Link } from 'react-router';
import { type ListFilter, useConversations } from '../../node/inbox-api';
import type { ConversationSummary } from '../../node/protocol';
import { EmptyState, ErrorState, Loading } from '../States';
import { CHANNEL_LABELS, contactName, CONVERSATION_STATUS_COLORS, formatWhen } from './inbox-view';

function ConversationRow({
  conversation,
  href,
  selected,
}: {
  conversation: ConversationSummary;
  href: string;
  selected: boolean;
}) {
  const last = conversation.lastMessage;
  return (
    <li>
      <UnstyledButton
        component={Link}
        to={href}
        aria-current={selected ? 'page' : undefined}
        display="block"
        p="sm"
        bg={selected ? 'indigo.0' : undefined}
        style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}
      >
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text fw={conversation.unread > 0 ? 700 : 600} size="sm" truncate>
            {contactName(conversation)}
          </Text>
          {last ? (
            <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
              {formatWhen(last.at)}
            </Text>
          ) : null}
        </Group>
        <Text size="xs" c="dimmed" lineClamp={1}>
          {last ? `${last.direction === 'out' ? 'You: ' : ''}${last.text ?? '(attachment)'}` : 'No messages yet'}
        </Text>
        <Group gap={4} mt={4} wrap="wrap">
          <Badge size="xs" variant="outline" color="gray">
            {CHANNEL_LABELS[conversation.channel.type]}
          </Badge>
          <Badge size="xs" variant="light" color={CONVERSATION_STATUS_COLORS[conversation.status]}>
            {conversation.status}
          </Badge>
          {conversation.handler === 'human' ? (
            <Badge size="xs" variant="filled" color="teal">
              people
            </Badge>
          ) : null}
          {conversation.unread > 0 ? (
            <Badge size="xs" variant="filled" color="red" aria-label={`${conversation.unread} unread`}>
              {conversation.unread}
            </Badge>
          ) : null}
          {conversation.tags.map((tag) => (
            <Badge key={tag} size="xs" variant="dot" color="gray" tt="none">
              {tag}
            </Badge>
          ))}
        </Group>
      </UnstyledButton>
    </li>
  );
}

interface ConversationListProps {
  workspaceId: string;
  filter: ListFilter;
  selectedId: string | null;
  /** The link that opens a conversation, keeping the filters. */
  hrefFor(conversationId: string): string;
}

export function ConversationList({ workspaceId, filter, selectedId, hrefFor }: ConversationListProps) {
  const list = useConversations(workspaceId, filter);
  if (list.isPending) return <Loading label="Loading conversations…" />;
  // A failed later page keeps the pages already shown (with the error under them).
  if (list.data === undefined) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  const conversations = list.data.pages.flatMap((page) => page.conversations);
  if (conversations.length === 0)
    return (
      <EmptyState title={filter.trash ? 'The trash is empty' : 'No conversations here'}>
        {filter.trash
          ? 'Conversations moved to the trash show up here until they are restored or erased.'
          : 'Conversations from your channels appear as soon as someone writes. Try another filter.'}
      </EmptyState>
    );
  return (
    <Stack gap="xs">
      <Box
        component="ul"
        aria-label="Conversations"
        m={0}
        p={0}
        style={{
          listStyle: 'none',
          border: '1px solid var(--mantine-color-gray-3)',
          borderRadius: 8,
          overflow: 'hidden',
        }}
      >
        {conversations.map((conversation) => (
          <ConversationRow
            key={conversation.id}
            conversation={conversation}
            href={hrefFor(conversation.id)}
            selected={conversation.id === selectedId}
          />
        ))}
      </Box>
      {list.hasNextPage ? (
        <Button variant="subtle" size="xs" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Load more conversations
        </Button>
      ) : null}
      {list.isFetchNextPageError ? <ErrorState error={list.error} onRetry={() => void list.fetchNextPage()} /> : null}
    </Stack>
  );
}
