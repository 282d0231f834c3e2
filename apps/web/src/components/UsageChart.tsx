import { SimpleGrid, Text } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Usage } from '../api/client';

/** Messages (in + out) per day per channel, from the counts nodes report with their heartbeat. */
export function usageRows(usage: Usage) {
  return usage.series.map((day) => ({
    day: day.day.slice(5),
    Telegram: day.telegram.inbound + day.telegram.outbound,
    WhatsApp: day.whatsapp.inbound + day.whatsapp.outbound,
  }));
}

export function UsageChart({ usage }: { usage: Usage }) {
  const rows = usageRows(usage);
  return (
    <div data-testid="usage-chart">
      <SimpleGrid cols={{ base: 2, sm: 4 }} mb="sm">
        <Stat label="Inbound" value={usage.totals.inbound} />
        <Stat label="Replies" value={usage.totals.outbound} />
        <Stat label="Provider errors" value={usage.totals.providerErrors} />
        <Stat label="Fallback replies" value={usage.totals.fallbackReplies} />
      </SimpleGrid>
      <div
        style={{ width: '100%', height: 240 }}
        role="img"
        aria-label={`Messages per day per channel, ${usage.from} to ${usage.to}`}
      >
        <ResponsiveContainer>
          <BarChart data={rows} margin={{ top: 4, right: 4, bottom: 0, left: -20 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" fontSize={11} interval="preserveStartEnd" />
            <YAxis allowDecimals={false} fontSize={11} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="Telegram" stackId="m" fill="#3b82f6" isAnimationActive={false} />
            <Bar dataKey="WhatsApp" stackId="m" fill="#22c55e" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
    </div>
  );
}
