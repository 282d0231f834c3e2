import { Box, Paper, Stack, Text } from '@mantine/core';
import type React from 'react';
import type { WidgetSettings } from '../../api/widget-queries';

/** The launcher's icons, drawn like the loader draws them (agent-node/widget-client/loader.js). */
const ICONS: Record<WidgetSettings['launcherIcon'], React.ReactNode> = {
  chat: (
    <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
      <path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" />
    </svg>
  ),
  help: '?',
  wave: 'Hi',
};

/**
 * What visitors will see with these settings (before saving): the open panel and its launcher,
 * drawn like the node's panel (agent-node/widget-client/panel.js) from the same settings.
 */
export function WidgetPreview({ settings }: { settings: WidgetSettings }) {
  const side = settings.position === 'left' ? { left: 16 } : { right: 16 };
  const fields = (['name', 'email', 'phone'] as const).filter((f) => settings.prechat[f] !== 'off');
  return (
    <Box
      aria-label="Widget preview"
      role="img"
      pos="relative"
      h={470}
      style={{ background: 'var(--mantine-color-gray-1)', borderRadius: 8, overflow: 'hidden' }}
    >
      <Paper shadow="md" radius="md" pos="absolute" bottom={84} w={300} style={{ ...side, overflow: 'hidden' }}>
        <Box px="sm" py={10} style={{ background: settings.color, color: '#fff' }}>
          <Text fw={600}>{settings.title || 'Chat'}</Text>
        </Box>
        <Stack gap={6} p="sm">
          {settings.hours ? (
            <Text size="xs" c="dimmed">
              Outside opening hours: {settings.hours.awayMessage || '(no away message)'}
            </Text>
          ) : null}
          {settings.consent === 'banner' ? (
            <Box p={8} style={{ background: 'var(--mantine-color-gray-0)', borderRadius: 6 }}>
              <Text size="xs">{settings.consentText}</Text>
              <Text size="xs" fw={600} mt={4} style={{ color: settings.color }}>
                Accept · Decline
              </Text>
            </Box>
          ) : null}
          {fields.length ? (
            <Text size="xs" c="dimmed">
              Before the chat: {fields.map((f) => `${f}${settings.prechat[f] === 'required' ? ' *' : ''}`).join(', ')}
            </Text>
          ) : null}
          {settings.greeting ? (
            <Text size="sm" p={8} style={{ background: '#f1f1f1', borderRadius: 10, alignSelf: 'flex-start' }}>
              {settings.greeting}
            </Text>
          ) : null}
          <Text
            size="sm"
            p={8}
            style={{ background: settings.color, color: '#fff', borderRadius: 10, alignSelf: 'flex-end' }}
          >
            Hello!
          </Text>
        </Stack>
      </Paper>
      <Box
        pos="absolute"
        bottom={16}
        w={56}
        h={56}
        style={{
          ...side,
          borderRadius: '50%',
          background: settings.color,
          color: '#fff',
          display: 'grid',
          placeItems: 'center',
          fontSize: 22,
          fontWeight: 600,
        }}
      >
        {ICONS[settings.launcherIcon]}
      </Box>
    </Box>
  );
}
