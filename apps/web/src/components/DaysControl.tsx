import { Group, SegmentedControl } from '@mantine/core';

/** The usage chart's period. */
export function DaysControl({ value, onChange }: { value: number; onChange(days: number): void }) {
  return (
    <Group>
      <SegmentedControl
        size="xs"
        value={String(value)}
        onChange={(next) => onChange(Number(next))}
        data={[
          { value: '7', label: '7 days' },
          { value: '30', label: '30 days' },
          { value: '90', label: '90 days' },
        ]}
        aria-label="Period"
      />
    </Group>
  );
}
