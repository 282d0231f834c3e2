import { Group, NativeSelect, ScrollArea, Stack, Switch, Tabs, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { startTransition, useOptimistic, useState } from 'react';
import { CHANNEL_LABELS, type InboxView, STATUS_TABS } from './inbox-view';

const STATUS_LABELS: Record<(typeof STATUS_TABS)[number], string> = {
  open: 'Open',
  pending: 'Pending',
  snoozed: 'Snoozed',
  resolved: 'Resolved',
  all: 'All',
};

interface InboxFiltersProps {
  view: InboxView;
  /** Sets one URL parameter; null removes it. */
  onChange(key: string, value: string | null): void;
}

/** Status tabs, search and the narrowing filters above the conversation list. */
export function InboxFilters({ view, onChange }: InboxFiltersProps) {
  const [search, setSearch] = useState(view.q ?? '');
  const [tag, setTag] = useState(view.tag ?? '');
  // Typing updates the URL (and so the list) once it pauses, not on every key.
  const commitSearch = useDebouncedCallback((value: string) => onChange('q', value.trim() || null), 300);
  const commitTag = useDebouncedCallback((value: string) => onChange('tag', value.trim() || null), 300);
  // The router renders the new URL in a transition; until it commits, the switches show the new
  // position at once instead of flicking back (which also keeps a test's check() honest).
  const [shown, showNow] = useOptimistic(view, (current, change: Partial<InboxView>) => ({ ...current, ...change }));
  function toggle(key: 'mine' | 'trash', checked: boolean) {
    startTransition(() => {
      showNow({ [key]: checked });
      onChange(key, checked ? '1' : null);
    });
  }

  return (
    <Stack gap="xs">
      {view.trash ? null : (
        <ScrollArea type="never">
          <Tabs value={view.status ?? 'open'} onChange={(value) => onChange('status', value === 'open' ? null : value)}>
            <Tabs.List aria-label="Conversations to show" style={{ flexWrap: 'nowrap' }}>
              {STATUS_TABS.map((status) => (
                <Tabs.Tab key={status} value={status}>
                  {STATUS_LABELS[status]}
                </Tabs.Tab>
              ))}
            </Tabs.List>
          </Tabs>
        </ScrollArea>
      )}
      <TextInput
        type="search"
        label="Search conversations"
        placeholder="Words in messages"
        value={search}
        onChange={(event) => {
          setSearch(event.currentTarget.value);
          commitSearch(event.currentTarget.value);
        }}
      />
      <Group gap="xs" align="flex-end" wrap="wrap">
        <NativeSelect
          size="xs"
          label="Handled by"
          value={view.handler ?? ''}
          onChange={(event) => onChange('handler', event.currentTarget.value || null)}
          data={[
            { value: '', label: 'Anyone' },
            { value: 'agent', label: 'Agent' },
            { value: 'human', label: 'People' },
          ]}
        />
        <NativeSelect
          size="xs"
          label="Channel"
          value={view.channel ?? ''}
          onChange={(event) => onChange('channel', event.currentTarget.value || null)}
          data={[
            { value: '', label: 'Any' },
            ...Object.entries(CHANNEL_LABELS).map(([value, label]) => ({ value, label })),
          ]}
        />
        <TextInput
          size="xs"
          w={130}
          label="Filter by tag"
          value={tag}
          onChange={(event) => {
            setTag(event.currentTarget.value);
            commitTag(event.currentTarget.value);
          }}
        />
      </Group>
      <Group gap="md" wrap="wrap">
        <Switch
          size="sm"
          label="Assigned to me"
          checked={shown.mine}
          onChange={(event) => toggle('mine', event.currentTarget.checked)}
        />
        <Switch
          size="sm"
          label="Trash"
          checked={shown.trash}
          onChange={(event) => toggle('trash', event.currentTarget.checked)}
        />
      </Group>
    </Stack>
  );
}
