import { Alert, Anchor, Button, Card, List, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { type Account, accountKeys, useAccountExports } from '../../api/account';
import { api, ApiError, errorMessage, unwrap } from '../../api/client';
import { TypedConfirm } from '../../components/TypedConfirm';

function size(bytes: number | null): string {
  return bytes === null ? '' : bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

/** "Download my data": built on the server in the background; the link works for this account until it expires. */
export function DataSection() {
  const client = useQueryClient();
  const exports = useAccountExports();
  const request = useMutation({
    mutationFn: () => unwrap(api.POST('/api/account/exports')),
    onSettled: () => void client.invalidateQueries({ queryKey: accountKeys.exports }),
  });
  return (
    <Card withBorder component="section" aria-labelledby="data-title">
      <Stack gap="sm" align="flex-start">
        <Title id="data-title" order={2} size="h4">
          Your data
        </Title>
        <Text size="sm">
          A zip of JSON files with everything Enclave&apos;s control plane keeps about you: your account, sign-in
          methods, sessions, memberships, the workspaces you own with their billing details, and your own audit events.
          Conversations stay on each workspace&apos;s server: export them from its Data page.
        </Text>
        <Button variant="default" onClick={() => request.mutate()} loading={request.isPending}>
          Download my data
        </Button>
        {request.isError ? (
          <Alert color="red" role="alert">
            {errorMessage(request.error)}
          </Alert>
        ) : null}
        <List size="sm" aria-label="Your exports">
          {(exports.data ?? []).map((item) => (
            <List.Item key={item.id}>
              {new Date(item.createdAt).toLocaleString()} —{' '}
              {item.status === 'pending' ? (
                'being prepared…'
              ) : item.downloadUrl ? (
                <>
                  <Anchor href={item.downloadUrl}>Download ({size(item.bytes)})</Anchor>, link valid until{' '}
                  {new Date(item.expiresAt!).toLocaleString()}
                </>
              ) : (
                'expired'
              )}
            </List.Item>
          ))}
        </List>
      </Stack>
    </Card>
  );
}

interface SoleOwnerDetails {
  workspaces?: Array<{ id: string; name: string }>;
}

export function DeleteSection({ account }: { account: Account }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/account', { body: { confirmEmail: account.email } })),
    onSuccess: () => {
      client.clear();
      void navigate('/sign-in');
    },
  });
  const blocking =
    remove.error instanceof ApiError && remove.error.code === 'sole_owner'
      ? ((remove.error.details as SoleOwnerDetails | undefined)?.workspaces ?? [])
      : [];
  return (
    <Card withBorder component="section" aria-labelledby="delete-title">
      <Stack gap="sm">
        <Title id="delete-title" order={2} size="h4" c="red.8">
          Delete my account
        </Title>
        <Text size="sm">
          Your profile, sign-in methods and sessions are erased and you are signed out everywhere. Audit events keep an
          anonymous id. If you are the only owner of a workspace, hand it to another member or delete it first.
        </Text>
        {remove.isError ? (
          <Alert color="red" role="alert" title="Your account was not deleted">
            {errorMessage(remove.error)}
            {blocking.length ? (
              <List size="sm" mt="xs">
                {blocking.map((workspace) => (
                  <List.Item key={workspace.id}>
                    <Anchor href={`/workspaces/${workspace.id}/members`}>{workspace.name}</Anchor>
                  </List.Item>
                ))}
              </List>
            ) : null}
          </Alert>
        ) : null}
        <TypedConfirm
          phrase={account.email}
          action="Delete my account"
          onConfirm={() => remove.mutate()}
          loading={remove.isPending}
        />
      </Stack>
    </Card>
  );
}
