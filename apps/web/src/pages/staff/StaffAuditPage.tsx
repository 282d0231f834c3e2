import { Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { filterFromSearch, useStaffAuditEvents } from '../../api/audit';
import { api, auditQueryString, errorMessage, unwrap } from '../../api/client';
import { keys } from '../../api/queries';
import { AuditEventsView } from '../../components/AuditEventsView';
import { AuditFilterBar } from '../../components/AuditFilterBar';

function ChainStatus() {
  const chain = useQuery({
    queryKey: keys.chain,
    queryFn: () => unwrap(api.GET('/api/staff/audit-events/chain')),
    staleTime: 60_000,
  });
  if (chain.isPending)
    return (
      <Badge variant="light" color="gray">
        Verifying chain…
      </Badge>
    );
  if (chain.isError)
    return (
      <Text size="sm" c="red" role="alert">
        Chain check failed: {errorMessage(chain.error)}
      </Text>
    );
  const verdict = chain.data;
  return (
    <Group gap="xs" data-testid="chain-status">
      {verdict.ok ? (
        <Badge color="green" variant="light">
          Chain intact
        </Badge>
      ) : (
        <Badge color="red" variant="filled">
          Chain broken at event {verdict.brokenAt} ({verdict.reason?.replace(/_/g, ' ')})
        </Badge>
      )}
      <Text size="xs" c="dimmed">
        {verdict.checked} events checked
      </Text>
      <Button size="compact-xs" variant="subtle" onClick={() => void chain.refetch()} loading={chain.isFetching}>
        Re-verify
      </Button>
    </Group>
  );
}

export function StaffAuditPage() {
  const [params, setParams] = useSearchParams();
  const filter = filterFromSearch(params);
  const events = useStaffAuditEvents(filter);
  const csvHref = `/api/staff/audit-events/export.csv${auditQueryString(filter)}`;
  return (
    <Stack gap="md">
      <Card withBorder>
        <Group justify="space-between" mb="sm" wrap="wrap">
          <Title order={2} size="h4">
            Audit events
          </Title>
          <ChainStatus />
        </Group>
        <AuditFilterBar
          key={params.toString()}
          value={filter}
          onApply={(next) => setParams(new URLSearchParams(auditQueryString(next)))}
        />
        <Group mt="sm">
          <Button component="a" href={csvHref} download variant="light" data-testid="csv-download">
            Download CSV (these filters)
          </Button>
        </Group>
      </Card>
      {events.isError ? null : events.data &&
        events.data.pages[0]?.items.length === 0 &&
        Object.keys(filter).length === 0 ? (
        <Alert color="gray">No audit events recorded yet.</Alert>
      ) : null}
      <AuditEventsView query={events} showWorkspace workspaceHref={(id) => `/staff/workspaces/${id}`} />
    </Stack>
  );
}
