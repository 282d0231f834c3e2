import { Badge, Group, ScrollArea, Stack, Tabs, Text, Title } from '@mantine/core';
import { Outlet, useLocation, useNavigate, useOutletContext, useParams } from 'react-router';
import type { Workspace } from '../../api/client';
import { useWorkspace } from '../../api/queries';
import { ErrorState, Loading, statusColor, statusLabel } from '../../components/States';

const TABS = [
  { value: 'overview', label: 'Overview' },
  { value: 'inbox', label: 'Inbox' },
  { value: 'knowledge', label: 'Knowledge' },
  { value: 'provisioning', label: 'Server' },
  { value: 'agents', label: 'Agents' },
  { value: 'channels', label: 'Channels' },
  { value: 'widget', label: 'Widget' },
  { value: 'webhooks', label: 'Webhooks' },
  { value: 'api-keys', label: 'API keys' },
  { value: 'data', label: 'Data' },
  { value: 'billing', label: 'Billing' },
  { value: 'members', label: 'Members' },
  { value: 'audit', label: 'Audit trail' },
  { value: 'settings', label: 'Settings' },
] as const;

export function useCurrentWorkspace(): Workspace {
  return useOutletContext<Workspace>();
}

export function canManage(workspace: Workspace): boolean {
  return workspace.role === 'owner' || workspace.role === 'admin';
}

export function WorkspaceLayout() {
  const { id = '' } = useParams();
  const workspace = useWorkspace(id);
  const location = useLocation();
  const navigate = useNavigate();
  const base = `/workspaces/${id}`;
  const current = location.pathname.slice(base.length).replace(/^\//, '').split('/')[0] || 'overview';

  if (workspace.isPending) return <Loading />;
  if (workspace.isError) return <ErrorState error={workspace.error} onRetry={() => void workspace.refetch()} />;
  const data = workspace.data;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div style={{ minWidth: 0 }}>
          <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
            {data.name}
          </Title>
          <Text c="dimmed" size="sm" ff="monospace">
            {data.slug}
          </Text>
        </div>
        <Badge size="lg" color={statusColor(data.status)} variant="light" data-testid="workspace-status">
          {statusLabel(data.status)}
        </Badge>
      </Group>
      <ScrollArea type="never">
        <Tabs
          value={current}
          onChange={(value) => void navigate(value && value !== 'overview' ? `${base}/${value}` : base)}
          keepMounted={false}
        >
          <Tabs.List style={{ flexWrap: 'nowrap' }}>
            {TABS.map((tab) => (
              <Tabs.Tab key={tab.value} value={tab.value}>
                {tab.label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
      </ScrollArea>
      <Outlet context={data} />
    </Stack>
  );
}
