import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Loader size="sm" mr="sm" />
      <Text c="dimmed">{label}</Text>
    </Center>
  );
}

export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <Alert color="red" title={title ?? (notFound ? 'Not found' : 'Something went wrong')} role="alert" my="md">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{notFound ? 'It does not exist, or you are not a member of it.' : errorMessage(error)}</Text>
        {error instanceof ApiError && error.code ? (
          <Text size="xs" c="dimmed">
            code: {error.code}
          </Text>
        ) : null}
        {onRetry && !notFound ? (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            Try again
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Stack
      align="center"
      gap="xs"
      py="xl"
      px="md"
      style={{ border: '1px dashed var(--mantine-color-gray-4)', borderRadius: 8 }}
    >
      <Text fw={600}>{title}</Text>
      {children ? (
        <Text c="dimmed" size="sm" ta="center" component="div">
          {children}
        </Text>
      ) : null}
    </Stack>
  );
}

const STATUS_COLORS: Record<string, string> = {
  pending_payment: 'yellow',
  provisioning: 'blue',
  active: 'green',
  provisioning_failed: 'red',
  past_due: 'orange',
  suspended: 'red',
  canceled: 'gray',
  deprovisioning: 'gray',
  deprovisioned: 'gray',
};

export function statusColor(status: string): string {
  return STATUS_COLORS[status] ?? 'gray';
}

export function statusLabel(status: string): string {
  return status.replace(/_/g, ' ');
}
