import { Anchor, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, errorMessage, unwrap } from '../../api/client';
import { DeliveryNote } from '../../components/Delivery';
import { ProvisioningSteps } from '../../components/ProvisioningSteps';
import { EmptyState, ErrorState, Loading, statusLabel } from '../../components/States';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function WorkspaceLookup() {
  const navigate = useNavigate();
  const [id, setId] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    if (UUID.test(id.trim())) void navigate(`/staff/workspaces/${id.trim().toLowerCase()}`);
  }
  return (
    <form onSubmit={submit} aria-label="Find a workspace">
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Workspace id"
          value={id}
          onChange={(event) => setId(event.currentTarget.value)}
          placeholder="UUID"
          style={{ flex: '1 1 320px' }}
          error={id && !UUID.test(id.trim()) ? 'A workspace id is a UUID.' : undefined}
        />
        <Button type="submit" disabled={!UUID.test(id.trim())}>
          Open
        </Button>
      </Group>
    </form>
  );
}

/** One workspace for staff: provisioning runs with logs, retry, suspend and resume. No content, no secrets. */
export function StaffWorkspacePage() {
  const { id = '' } = useParams();
  const client = useQueryClient();
  const key = ['staff', 'workspaces', id, 'provisioning'];
  const status = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET('/api/staff/workspaces/{id}/provisioning', { params: { path: { id } } })),
    enabled: UUID.test(id),
    refetchInterval: (query) => (query.state.data?.workspaceStatus === 'provisioning' ? 3000 : false),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: key });
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST('/api/staff/workspaces/{id}/provisioning/retry', { params: { path: { id } } })),
    onSettled: refresh,
  });
  const retryDeprovision = useMutation({
    mutationFn: () => unwrap(api.POST('/api/staff/workspaces/{id}/deprovisioning/retry', { params: { path: { id } } })),
    onSettled: refresh,
  });
  const suspend = useMutation({
    mutationFn: () => unwrap(api.POST('/api/staff/workspaces/{id}/suspend', { params: { path: { id } } })),
    onSettled: refresh,
  });
  const resume = useMutation({
    mutationFn: () => unwrap(api.POST('/api/staff/workspaces/{id}/resume', { params: { path: { id } } })),
    onSettled: refresh,
  });
  const failure = retry.error ?? retryDeprovision.error ?? suspend.error ?? resume.error;
  const deprovisionFailed =
    status.data?.runs.some((run) => run.action === 'deprovision' && run.status === 'failed') ?? false;
  const suspension = suspend.data ?? resume.data;

  return (
    <Stack gap="md">
      <Card withBorder>
        <WorkspaceLookup />
      </Card>
      {!UUID.test(id) ? null : status.isPending ? (
        <Loading />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => void status.refetch()} />
      ) : (
        <>
          <Card withBorder>
            <Group justify="space-between" wrap="wrap" mb="xs">
              <div>
                <Title order={2} size="h4" style={{ overflowWrap: 'anywhere' }}>
                  {status.data.hostname}
                </Title>
                <Text size="sm" c="dimmed">
                  {statusLabel(status.data.workspaceStatus)} ·{' '}
                  <Anchor component={Link} to={`/staff/audit?workspaceId=${id}`}>
                    audit events
                  </Anchor>
                </Text>
              </div>
              <Group gap="xs">
                <Button
                  size="xs"
                  onClick={() => retry.mutate()}
                  loading={retry.isPending}
                  disabled={status.data.workspaceStatus !== 'provisioning_failed'}
                >
                  Retry provisioning
                </Button>
                {deprovisionFailed ? (
                  <Button
                    size="xs"
                    variant="light"
                    onClick={() => retryDeprovision.mutate()}
                    loading={retryDeprovision.isPending}
                  >
                    Retry deprovisioning
                  </Button>
                ) : null}
                <Button
                  size="xs"
                  color="orange"
                  variant="light"
                  onClick={() => suspend.mutate()}
                  loading={suspend.isPending}
                >
                  Suspend
                </Button>
                <Button size="xs" variant="default" onClick={() => resume.mutate()} loading={resume.isPending}>
                  Resume
                </Button>
              </Group>
            </Group>
            {status.data.node ? (
              <Text size="sm">
                Node {status.data.node.status}
                {status.data.node.version ? ` · ${status.data.node.version}` : ''}
                {status.data.node.lastHeartbeatAt
                  ? ` · heartbeat ${new Date(status.data.node.lastHeartbeatAt).toLocaleString()}`
                  : ''}
              </Text>
            ) : null}
            {failure ? (
              <Text c="red" size="sm" role="alert" mt="xs">
                {errorMessage(failure)}
              </Text>
            ) : null}
            {(retry.data ?? retryDeprovision.data) ? (
              <Text size="sm" mt="xs" role="status">
                Retry queued (job {(retry.data ?? retryDeprovision.data)?.jobId}).
              </Text>
            ) : null}
            {suspension ? (
              <>
                <Text size="sm" mt="xs" role="status">
                  {suspension.suspended ? 'Suspended.' : 'Running (not suspended).'}
                </Text>
                <DeliveryNote delivery={suspension.delivery} />
              </>
            ) : null}
          </Card>
          {status.data.runs.length === 0 ? (
            <EmptyState title="No provisioning runs">This workspace has not been provisioned.</EmptyState>
          ) : (
            status.data.runs.map((run) => (
              <Card withBorder key={run.id}>
                <ProvisioningSteps run={run} showLog />
              </Card>
            ))
          )}
        </>
      )}
    </Stack>
  );
}
