import { Anchor, Box, Stack, Text } from '@mantine/core';

/** bull-board, served by the API at /api/staff/queues behind the same staff check. */
export function StaffQueuesPage() {
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        Job queues (provisioning, deprovisioning, DNS, secret delivery, health sweeps).{' '}
        <Anchor href="/api/staff/queues" target="_blank" rel="noreferrer">
          Open full screen
        </Anchor>
      </Text>
      <Box
        component="iframe"
        src="/api/staff/queues"
        title="Queue dashboard"
        w="100%"
        h="70vh"
        style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }}
      />
    </Stack>
  );
}
