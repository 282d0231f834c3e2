import { Alert, Badge, Button, Card, Group, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { type Account, useAccountMutation } from '../../api/account';
import { api, errorMessage, unwrap } from '../../api/client';

const PROVIDER_LABEL: Record<string, string> = {
  github: 'GitHub',
  google: 'Google',
  apple: 'Apple',
  email: 'Email link',
};

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function ProfileSection({ account }: { account: Account }) {
  const [name, setName] = useState(account.name ?? '');
  const [email, setEmail] = useState('');
  const save = useAccountMutation((body: { name?: string | null; marketingOptIn?: boolean }) =>
    unwrap(api.PATCH('/api/account', { body })),
  );
  const changeEmail = useAccountMutation((address: string) =>
    unwrap(api.POST('/api/account/email', { body: { email: address } })),
  );
  function saveName(event: FormEvent) {
    event.preventDefault();
    save.mutate({ name: name.trim() || null });
  }
  function submitEmail(event: FormEvent) {
    event.preventDefault();
    changeEmail.mutate(email.trim());
  }
  return (
    <Card withBorder component="section" aria-labelledby="profile-title">
      <Stack gap="md">
        <Title id="profile-title" order={2} size="h4">
          Profile
        </Title>
        <form onSubmit={saveName}>
          <Group align="flex-end">
            <TextInput
              label="Name"
              name="name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              maw={360}
              w="100%"
            />
            <Button type="submit" variant="default" loading={save.isPending && save.variables?.name !== undefined}>
              Save name
            </Button>
          </Group>
        </form>
        <Text size="sm">
          Email: <b>{account.email}</b>
        </Text>
        {changeEmail.isSuccess ? (
          <Alert color="blue" role="status">
            We sent a confirmation link to <b>{email.trim()}</b>. Your address changes when you open it.
          </Alert>
        ) : (
          <form onSubmit={submitEmail}>
            <Group align="flex-end">
              <TextInput
                label="New email address"
                type="email"
                name="new-email"
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={changeEmail.isError ? errorMessage(changeEmail.error) : undefined}
                maw={360}
                w="100%"
              />
              <Button type="submit" variant="default" disabled={!email.trim()} loading={changeEmail.isPending}>
                Change email
              </Button>
            </Group>
          </form>
        )}
        <Switch
          label="Send me Enclave product news by email"
          description="Optional. Sign-in, billing, provisioning and security mail is always sent."
          checked={account.marketingOptIn}
          onChange={(e) => save.mutate({ marketingOptIn: e.currentTarget.checked })}
        />
        {save.isError ? (
          <Alert color="red" role="alert">
            {errorMessage(save.error)}
          </Alert>
        ) : null}
      </Stack>
    </Card>
  );
}

export function SignInMethodsSection({ account }: { account: Account }) {
  const unlink = useAccountMutation((id: string) =>
    unwrap(api.DELETE('/api/account/identities/{identityId}', { params: { path: { identityId: id } } })),
  );
  return (
    <Card withBorder component="section" aria-labelledby="identities-title">
      <Stack gap="sm">
        <Title id="identities-title" order={2} size="h4">
          Sign-in methods
        </Title>
        <Table>
          <Table.Tbody>
            {account.identities.map((identity) => (
              <Table.Tr key={identity.id}>
                <Table.Td>{PROVIDER_LABEL[identity.provider]}</Table.Td>
                <Table.Td>{identity.email}</Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    last used {when(identity.lastUsedAt)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    disabled={account.identities.length === 1}
                    title={account.identities.length === 1 ? 'Your only sign-in method cannot be removed' : undefined}
                    onClick={() => unlink.mutate(identity.id)}
                  >
                    Unlink
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {unlink.isError ? (
          <Alert color="red" role="alert">
            {errorMessage(unlink.error)}
          </Alert>
        ) : null}
        {account.linkable.length ? (
          <Group gap="xs">
            {account.linkable.map((provider) => (
              <Button key={provider} component="a" href={`/api/auth/${provider}`} size="xs" variant="default">
                Link {PROVIDER_LABEL[provider]}
              </Button>
            ))}
          </Group>
        ) : null}
      </Stack>
    </Card>
  );
}

export function SessionsSection({ account }: { account: Account }) {
  const revoke = useAccountMutation((id: string) =>
    unwrap(api.DELETE('/api/account/sessions/{sessionId}', { params: { path: { sessionId: id } } })),
  );
  return (
    <Card withBorder component="section" aria-labelledby="sessions-title">
      <Stack gap="sm">
        <Title id="sessions-title" order={2} size="h4">
          Active sessions
        </Title>
        <Table>
          <Table.Tbody>
            {account.sessions.map((session) => (
              <Table.Tr key={session.id}>
                <Table.Td>
                  <Text size="sm" truncate maw={320}>
                    {session.userAgent ?? 'Unknown browser'}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {session.ip ?? 'unknown address'} · signed in {when(session.createdAt)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  {session.current ? (
                    <Badge variant="light">This browser</Badge>
                  ) : (
                    <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(session.id)}>
                      Sign out
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Card>
  );
}
