import { Card, Stack, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { filterFromSearch, useWorkspaceAuditEvents } from '../../api/audit';
import { auditQueryString } from '../../api/client';
import { AuditEventsView } from '../../components/AuditEventsView';
import { AuditFilterBar } from '../../components/AuditFilterBar';
import { useCurrentWorkspace } from './WorkspaceLayout';

export function WorkspaceAuditPage() {
  const workspace = useCurrentWorkspace();
  const [params, setParams] = useSearchParams();
  const { workspaceId: _ignored, ...filter } = filterFromSearch(params);
  const events = useWorkspaceAuditEvents(workspace.id, filter);
  return (
    <Stack gap="md">
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Audit trail
        </Title>
        <AuditFilterBar
          key={params.toString()}
          value={filter}
          withWorkspace={false}
          onApply={(next) => setParams(new URLSearchParams(auditQueryString(next)))}
        />
      </Card>
      <AuditEventsView query={events} showWorkspace={false} />
    </Stack>
  );
}
