import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, errorMessage, type Role, unwrap } from '../../api/client';
import { keys, useMe, useMembers } from '../../api/queries';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

function InviteForm({ workspaceId }: { workspaceId: string }) {
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const invite = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{id}/members', {
          params: { path: { id: workspaceId } },
          body: { email: email.trim(), role },
        }),
      ),
    onSuccess: () => {
      setEmail('');
      void client.invalidateQueries({ queryKey: keys.members(workspaceId) });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (email.trim()) invite.mutate();
  }
  return (
    <form onSubmit={submit} aria-label="Invite a member">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput
          label="Email"
          type="email"
          name="email"
          required
          value={email}
          onChange={(event) => setEmail(event.currentTarget.value)}
          style={{ flex: '1 1 220px' }}
        />
        <NativeSelect
          label="Role"
          name="role"
          value={role}
          onChange={(event) => setRole(event.currentTarget.value as 'member' | 'admin')}
          data={['member', 'admin']}
        />
        <Button type="submit" loading={invite.isPending} disabled={!email.trim()}>
          Invite
        </Button>
      </Group>
      {invite.isSuccess ? (
        <Text size="sm" c="green" mt="xs" role="status">
          {invite.data.status === 'added'
            ? `${invite.data.email} was added.`
            : `Invitation sent to ${invite.data.email}.`}
        </Text>
      ) : null}
      {invite.isError ? (
        <Text size="sm" c="red" mt="xs" role="alert">
          {errorMessage(invite.error)}
        </Text>
      ) : null}
    </form>
  );
}

export function MembersPage() {
  const workspace = useCurrentWorkspace();
  const me = useMe();
  const members = useMembers(workspace.id);
  const client = useQueryClient();
  const manage = canManage(workspace);
  const refresh = () => void client.invalidateQueries({ queryKey: keys.members(workspace.id) });
  const changeRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(
        api.PATCH('/api/workspaces/{id}/members/{userId}', {
          params: { path: { id: workspace.id, userId } },
          body: { role },
        }),
      ),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (userId: string) =>
      unwrap(api.DELETE('/api/workspaces/{id}/members/{userId}', { params: { path: { id: workspace.id, userId } } })),
    onSettled: refresh,
  });
  const revoke = useMutation({
    mutationFn: (invitationId: string) =>
      unwrap(
        api.DELETE('/api/workspaces/{id}/invitations/{invitationId}', {
          params: { path: { id: workspace.id, invitationId } },
        }),
      ),
    onSettled: refresh,
  });
  // An owner hands the workspace over and stays on as admin (the way out before deleting one's account).
  const transfer = useMutation({
    mutationFn: (userId: string) =>
      unwrap(
        api.POST('/api/workspaces/{id}/transfer-ownership', {
          params: { path: { id: workspace.id } },
          body: { userId },
        }),
      ),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.workspaces }),
  });
  const failure = changeRole.error ?? remove.error ?? revoke.error ?? transfer.error;

  if (members.isPending) return <Loading />;
  if (members.isError) return <ErrorState error={members.error} onRetry={() => void members.refetch()} />;

  return (
    <Stack gap="md">
      {manage ? (
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Invite someone
          </Title>
          <InviteForm workspaceId={workspace.id} />
        </Card>
      ) : null}
      {failure ? (
        <Text c="red" size="sm" role="alert">
          {errorMessage(failure)}
        </Text>
      ) : null}
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Members
        </Title>
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing="xs" data-testid="members-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Person</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Joined</Table.Th>
                {manage ? <Table.Th aria-label="Actions" /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.data.members.map((member) => {
                const isMe = member.userId === me.data?.id;
                return (
                  <Table.Tr key={member.userId}>
                    <Table.Td>
                      <Text size="sm">{member.name ?? member.email}</Text>
                      {member.name ? (
                        <Text size="xs" c="dimmed">
                          {member.email}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      {manage && !isMe && member.role !== 'owner' ? (
                        <NativeSelect
                          size="xs"
                          aria-label={`Role of ${member.email}`}
                          value={member.role}
                          data={workspace.role === 'owner' ? ['owner', 'admin', 'member'] : ['admin', 'member']}
                          onChange={(event) =>
                            changeRole.mutate({ userId: member.userId, role: event.currentTarget.value as Role })
                          }
                        />
                      ) : (
                        <Badge variant="light">{member.role}</Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{new Date(member.joinedAt).toLocaleDateString()}</Text>
                    </Table.Td>
                    {manage ? (
                      <Table.Td>
                        {workspace.role === 'owner' && !isMe && member.role !== 'owner' ? (
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            onClick={() => {
                              if (window.confirm(`Make ${member.email} the owner? You stay on as admin.`))
                                transfer.mutate(member.userId);
                            }}
                          >
                            Transfer ownership
                          </Button>
                        ) : null}
                        {!isMe && member.role !== 'owner' ? (
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={`Remove ${member.email}`}
                            onClick={() => remove.mutate(member.userId)}
                          >
                            ✕
                          </ActionIcon>
                        ) : null}
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Pending invitations
        </Title>
        {members.data.invitations.length === 0 ? (
          <EmptyState title="No pending invitations" />
        ) : (
          <Stack gap="xs" data-testid="invitations">
            {members.data.invitations.map((invitation) => (
              <Group key={invitation.id} justify="space-between" wrap="nowrap">
                <div style={{ minWidth: 0 }}>
                  <Text size="sm" truncate>
                    {invitation.email}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {invitation.role} · invited {new Date(invitation.invitedAt).toLocaleDateString()}
                  </Text>
                </div>
                {manage ? (
                  <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(invitation.id)}>
                    Revoke
                  </Button>
                ) : null}
              </Group>
            ))}
          </Stack>
        )}
      </Card>
    </Stack>
  );
}
