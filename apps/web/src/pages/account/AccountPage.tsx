import { Alert, Stack, Text, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { useAccount } from '../../api/account';
import { ErrorState, Loading } from '../../components/States';
import { DataSection, DeleteSection } from './AccountDataSections';
import { ProfileSection, SessionsSection, SignInMethodsSection } from './AccountSections';

/** The signed-in user's own account: profile, consent, sign-in methods, sessions, their data. */
export function AccountPage() {
  const account = useAccount();
  const [params] = useSearchParams();
  if (account.isPending) return <Loading />;
  if (account.isError) return <ErrorState error={account.error} onRetry={() => void account.refetch()} />;
  return (
    <Stack gap="xl" py="md">
      <div>
        <Title order={1} size="h2">
          Your account
        </Title>
        <Text c="dimmed" size="sm">
          What Enclave keeps about you, and your choices about it.
        </Text>
      </div>
      {params.get('email') === 'changed' ? (
        <Alert color="green" role="status">
          Your email address was changed.
        </Alert>
      ) : null}
      {params.get('error') === 'identity_in_use' ? (
        <Alert color="red" role="alert">
          That sign-in account is already linked to another Enclave account, so it was not linked here.
        </Alert>
      ) : null}
      {params.get('linked') ? (
        <Alert color="green" role="status">
          The sign-in method was linked to your account.
        </Alert>
      ) : null}
      <ProfileSection account={account.data} />
      <SignInMethodsSection account={account.data} />
      <SessionsSection account={account.data} />
      <DataSection />
      <DeleteSection account={account.data} />
    </Stack>
  );
}
