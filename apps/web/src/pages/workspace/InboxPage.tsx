import { Badge, Button, Divider, Drawer, Grid, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import { ApiError, type Workspace } from '../../api/client';
import { useMe, useMembers } from '../../api/queries';
import { ConversationList } from '../../components/inbox/ConversationList';
import { ConversationView } from '../../components/inbox/ConversationView';
import { HandoffSettings } from '../../components/inbox/HandoffSettings';
import { InboxFilters } from '../../components/inbox/InboxFilters';
import { listFilter, readView, withParam } from '../../components/inbox/inbox-view';
import { SavedRepliesSettings } from '../../components/inbox/SavedRepliesSettings';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { type LiveState, useInboxEvents } from '../../node/inbox-events';
import { useNodeSession } from '../../node/node-session';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

const LIVE_BADGES: Record<LiveState, { color: string; label: string }> = {
  connecting: { color: 'gray', label: 'Connecting…' },
  live: { color: 'green', label: 'Live' },
  reconnecting: { color: 'orange', label: 'Reconnecting…' },
};

/** The two panes; on a phone only one shows at a time (the list, or the open conversation). */
function Inbox({ workspace, nodeUrl }: { workspace: Workspace; nodeUrl: string }) {
  const me = useMe().data;
  const members = useMembers(workspace.id);
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const live = LIVE_BADGES[useInboxEvents(workspace.id, nodeUrl)];
  const view = readView(params);
  const manage = canManage(workspace);
  if (!me) return null;

  const memberName = (userId: string | null) => {
    const member = members.data?.members.find((candidate) => candidate.userId === userId);
    return member ? (member.name ?? member.email) : 'A teammate';
  };
  const setFilter = (key: string, value: string | null) => setParams(withParam(params, key, value), { replace: true });
  const selected = view.conversationId;

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={2} size="h3">
            Inbox
          </Title>
          <Badge variant="light" color={live.color} data-testid="inbox-live">
            {live.label}
          </Badge>
        </Group>
        {manage ? (
          <Button variant="default" size="xs" onClick={() => setSettingsOpen(true)}>
            Saved replies & handoff
          </Button>
        ) : null}
      </Group>
      <Text size="xs" c="dimmed">
        Conversations come straight from your server ({new URL(nodeUrl).host}); they never pass through Enclave.
      </Text>
      <Grid gutter="md">
        <Grid.Col span={{ base: 12, md: 5, lg: 4 }} visibleFrom={selected ? 'md' : undefined}>
          <Stack gap="sm">
            <InboxFilters view={view} onChange={setFilter} />
            <ConversationList
              workspaceId={workspace.id}
              filter={listFilter(view, me.id)}
              selectedId={selected}
              hrefFor={(id) => `${location.pathname}?${withParam(params, 'conversation', id).toString()}`}
            />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7, lg: 8 }} visibleFrom={selected ? undefined : 'md'}>
          {selected ? (
            <ConversationView
              key={selected}
              workspaceId={workspace.id}
              conversationId={selected}
              me={me}
              manage={manage}
              memberName={memberName}
              onClose={() => setParams(withParam(params, 'conversation', null))}
            />
          ) : (
            <EmptyState title="No conversation open">Pick one from the list to read and answer it.</EmptyState>
          )}
        </Grid.Col>
      </Grid>
      <Drawer
        opened={settingsOpen}
        onClose={() => setSettingsOpen(false)}
        position="right"
        size="md"
        title="Saved replies & handoff"
      >
        <Stack gap="lg">
          <SavedRepliesSettings workspaceId={workspace.id} />
          <Divider />
          <HandoffSettings workspaceId={workspace.id} />
        </Stack>
      </Drawer>
    </Stack>
  );
}

/** The team inbox: the browser reads it from the workspace's node with a short-lived node session. */
export function InboxPage() {
  const workspace = useCurrentWorkspace();
  const session = useNodeSession(workspace.id);
  if (session.data)
    // One Inbox per node: a workspace moved to a new node starts its event stream afresh.
    return <Inbox key={session.data.nodeUrl} workspace={workspace} nodeUrl={session.data.nodeUrl} />;
  if (session.isPending) return <Loading label="Connecting to your server…" />;
  if (session.error instanceof ApiError && session.error.code === 'node_not_ready')
    return (
      <EmptyState title="Your server is not running yet">
        The inbox lives on your server. It opens here once the server is set up and running (see Server).
      </EmptyState>
    );
  return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
}
