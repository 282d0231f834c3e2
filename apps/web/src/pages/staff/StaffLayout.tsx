import { Group, Stack, Tabs, Title } from '@mantine/core';
import { Outlet, useLocation, useNavigate } from 'react-router';

export function StaffLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const current = location.pathname.split('/')[2] ?? 'audit';
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h2">
          Staff console
        </Title>
      </Group>
      <Tabs value={current} onChange={(value) => void navigate(`/staff/${value ?? 'audit'}`)}>
        <Tabs.List>
          <Tabs.Tab value="audit">Audit log</Tabs.Tab>
          <Tabs.Tab value="fleet">Fleet</Tabs.Tab>
          <Tabs.Tab value="workspaces">Workspace</Tabs.Tab>
          <Tabs.Tab value="queues">Queues</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <Outlet />
    </Stack>
  );
}
