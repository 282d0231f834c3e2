import { Anchor, Card, Group, Loader, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { ExportJob } from '../../api/client';
import { ExpiryCountdown } from '../ExpiryCountdown';

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * One requested export as the server has it: "preparing…" while it builds the archive, then the
 * signed link with its countdown (the link is not stored anywhere, only shown), or why there is none.
 */
export function ExportJobResult({ job }: { job: ExportJob }) {
  const [expired, setExpired] = useState(false);
  if (job.state === 'preparing')
    return (
      <Card withBorder mt="md" padding="sm" data-testid="export-preparing">
        <Group gap="xs" role="status">
          <Loader size="xs" />
          <Text size="sm">Preparing the archive on your server…</Text>
        </Group>
      </Card>
    );
  if (job.state === 'failed')
    return (
      <Text c="red" size="sm" role="alert" mt="xs">
        Your server could not build this export. Request a new one.
      </Text>
    );
  const gone = expired || job.state === 'expired' || !job.url;
  return (
    <Card withBorder mt="md" padding="sm" bg={gone ? 'gray.0' : 'green.0'} data-testid="export-result">
      <Stack gap={4}>
        <Text size="sm">
          {job.conversations ?? 0} conversations · {job.messages ?? 0} messages · {formatBytes(job.bytes ?? 0)}
        </Text>
        {gone ? (
          <Text size="sm" c="dimmed">
            This link has expired. Request a new export.
          </Text>
        ) : (
          <Anchor
            href={job.url ?? undefined}
            target="_blank"
            rel="noreferrer"
            style={{ overflowWrap: 'anywhere' }}
            data-testid="export-link"
          >
            Download the archive
          </Anchor>
        )}
        {job.expiresAt ? <ExpiryCountdown expiresAt={job.expiresAt} onExpire={() => setExpired(true)} /> : null}
        {job.sha256 ? (
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            SHA-256 {job.sha256}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}
