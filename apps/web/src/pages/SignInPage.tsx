import { Alert, Button, Center, Checkbox, Divider, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { api, errorMessage, unwrap } from '../api/client';
import { useMe, useProviders } from '../api/queries';
import { Loading } from '../components/States';

export function SignInPage() {
  const me = useMe();
  const providers = useProviders();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  // Product news: an explicit opt-in, off by default; it applies if this sign-in creates the account.
  const [marketing, setMarketing] = useState(false);
  const requestLink = useMutation({
    mutationFn: (address: string) =>
      unwrap(api.POST('/api/auth/email', { body: { email: address, marketingOptIn: marketing } })),
  });
  const oauthHref = (provider: string) => `/api/auth/${provider}${marketing ? '?marketing=1' : ''}`;

  if (me.isPending) return <Loading />;
  if (me.data) {
    const next = params.get('next');
    return <Navigate to={next && next.startsWith('/') && !next.startsWith('//') ? next : '/'} replace />;
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    requestLink.mutate(email.trim());
  }

  return (
    <Center mih="100vh" px="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <Stack gap="md">
          <div>
            <Title order={1} size="h2">
              Sign in to Enclave
            </Title>
            <Text c="dimmed" size="sm">
              Your AI agent, on your own server.
            </Text>
          </div>
          {params.get('error') ? (
            <Alert color="red" role="alert">
              Sign-in did not complete. Please try again.
            </Alert>
          ) : null}
          {providers.data?.github !== false ? (
            <Button component="a" href={oauthHref('github')} variant="default" size="md" fullWidth>
              Continue with GitHub
            </Button>
          ) : null}
          {providers.data?.google !== false ? (
            <Button component="a" href={oauthHref('google')} variant="default" size="md" fullWidth>
              Continue with Google
            </Button>
          ) : null}
          {providers.data?.apple ? (
            <Button component="a" href={oauthHref('apple')} variant="default" size="md" fullWidth>
              Continue with Apple
            </Button>
          ) : null}
          <Divider label="or with a sign-in link by email" labelPosition="center" />
          {requestLink.isSuccess ? (
            <Alert color="green" title="Check your inbox" role="status">
              We sent a sign-in link to <b>{email.trim()}</b>. It works once and expires in 15 minutes.
              <Button variant="subtle" size="xs" mt="xs" onClick={() => requestLink.reset()}>
                Use another address
              </Button>
            </Alert>
          ) : (
            <form onSubmit={submit}>
              <Stack gap="sm">
                <TextInput
                  label="Email"
                  type="email"
                  name="email"
                  autoComplete="email"
                  required
                  value={email}
                  onChange={(event) => setEmail(event.currentTarget.value)}
                  error={requestLink.isError ? errorMessage(requestLink.error) : undefined}
                />
                <Button type="submit" loading={requestLink.isPending} disabled={!email.trim()}>
                  Email me a sign-in link
                </Button>
              </Stack>
            </form>
          )}
          <Checkbox
            label="New here? Send me Enclave product news by email (optional, unsubscribe any time)"
            checked={marketing}
            onChange={(event) => setMarketing(event.currentTarget.checked)}
            size="xs"
          />
        </Stack>
      </Paper>
    </Center>
  );
}
