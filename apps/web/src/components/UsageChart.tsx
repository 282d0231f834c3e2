import { SimpleGrid, Text } from '@mantine/core';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Usage } from '../api/client';

/**
 * Messages (in + out) per day per channel, and the team inbox's handoffs and human replies, from
 * the counts nodes report with their heartbeat.
 */
export function usageRows(usage: Usage) {
  return usage.series.map((day) => ({
    day: day.day.slice(5),
    Telegram: day.telegram.inbound + day.telegram.outbound,
    WhatsApp: day.whatsapp.inbound + day.whatsapp.outbound,
    Handoffs: day.handoffs,
    'Human replies': day.humanReplies,
  }));
}

/** Legend order: the messages (bars) first, then the inbox's counts (lines); recharts would sort by name. */
const SERIES = ['Telegram', 'WhatsApp', 'Handoffs', 'Human replies'];

export function UsageChart({ usage }: { usage: Usage }) {
  const rows = usageRows(usage);
  return (
    <div data-testid="usage-chart">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} mb="sm">
        <Stat label="Inbound" value={usage.totals.inbound} />
        <Stat label="Replies" value={usage.totals.outbound} />
        <Stat label="Provider errors" value={usage.totals.providerErrors} />
        <Stat label="Fallback replies" value={usage.totals.fallbackReplies} />
        <Stat label="Handoffs" value={usage.totals.handoffs} />
        <Stat label="Human replies" value={usage.totals.humanReplies} />
      </SimpleGrid>
      <div
        style={{ width: '100%', height: 240 }}
        role="img"
        aria-label={`Messages per day per channel, handoffs and human replies, ${usage.from} to ${usage.to}`}
      >
        <ResponsiveContainer>
          <ComposedChart data={rows} margin={{ top: 4, right: -20, bottom: 0, left: -20 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" fontSize={11} interval="preserveStartEnd" />
            <YAxis allowDecimals={false} fontSize={11} />
            {/* The inbox's counts are far smaller than message counts: their own scale, on the right. */}
            <YAxis yAxisId="inbox" orientation="right" allowDecimals={false} fontSize={11} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={(item) => SERIES.indexOf(String(item.value))} />
            <Bar dataKey="Telegram" stackId="m" fill="#3b82f6" isAnimationActive={false} />
            <Bar dataKey="WhatsApp" stackId="m" fill="#22c55e" isAnimationActive={false} />
            {/* Not stacked on the messages: handoffs are conversations, and human replies are already among the replies. */}
            <Line yAxisId="inbox" dataKey="Handoffs" stroke="#f59e0b" strokeWidth={2} isAnimationActive={false} />
            <Line yAxisId="inbox" dataKey="Human replies" stroke="#8b5cf6" strokeWidth={2} isAnimationActive={false} />
          </ComposedChart>
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
