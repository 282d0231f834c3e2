import {
  ColorInput,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { WidgetSettings } from '../../api/widget-queries';

type Set = (next: WidgetSettings) => void;
const MODES = [
  { value: 'off', label: 'Off' },
  { value: 'optional', label: 'Optional' },
  { value: 'required', label: 'Required' },
];
const WEEKDAYS = [1, 2, 3, 4, 5];

/** Weekday opening hours (Monday to Friday, one range) as the node's `hours.days`. */
function weekdays(open: string, close: string) {
  return WEEKDAYS.map((day) => ({ day, open, close }));
}

/** Every widget setting; `disabled` for members (read only). */
export function WidgetSettingsForm({
  value,
  onChange,
  disabled,
}: {
  value: WidgetSettings;
  onChange: Set;
  disabled: boolean;
}) {
  const set = <K extends keyof WidgetSettings>(key: K, v: WidgetSettings[K]) => onChange({ ...value, [key]: v });
  const hours = value.hours;
  return (
    <Stack gap="sm">
      <Textarea
        label="Allowed origins"
        description="One per line, like https://www.example.com. Only these sites can show the chat."
        autosize
        minRows={2}
        disabled={disabled}
        value={value.allowedOrigins.join('\n')}
        onChange={(e) =>
          set(
            'allowedOrigins',
            e.currentTarget.value
              .split('\n')
              .map((line) => line.trim())
              .filter(Boolean),
          )
        }
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Title"
          disabled={disabled}
          value={value.title}
          onChange={(e) => set('title', e.currentTarget.value)}
        />
        <ColorInput
          label="Colour"
          disabled={disabled}
          value={value.color}
          onChange={(c) => set('color', c)}
          format="hex"
        />
        <Select
          label="Position"
          disabled={disabled}
          data={[
            { value: 'right', label: 'Bottom right' },
            { value: 'left', label: 'Bottom left' },
          ]}
          value={value.position}
          onChange={(v) => v && set('position', v as WidgetSettings['position'])}
        />
        <Select
          label="Launcher icon"
          disabled={disabled}
          data={[
            { value: 'chat', label: 'Speech bubble' },
            { value: 'help', label: 'Question mark' },
            { value: 'wave', label: 'Waving hand' },
          ]}
          value={value.launcherIcon}
          onChange={(v) => v && set('launcherIcon', v as WidgetSettings['launcherIcon'])}
        />
        <TextInput
          label="Language"
          disabled={disabled}
          value={value.language}
          onChange={(e) => set('language', e.currentTarget.value)}
        />
      </SimpleGrid>
      <Textarea
        label="Greeting"
        autosize
        disabled={disabled}
        value={value.greeting}
        onChange={(e) => set('greeting', e.currentTarget.value)}
      />
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          Consent
        </Text>
        <SegmentedControl
          disabled={disabled}
          data={[
            { value: 'banner', label: 'Ask first (banner)' },
            { value: 'strictly_necessary', label: 'Strictly necessary' },
          ]}
          value={value.consent}
          onChange={(v) => set('consent', v as WidgetSettings['consent'])}
        />
        <Textarea
          aria-label="Consent text"
          autosize
          disabled={disabled}
          value={value.consentText}
          onChange={(e) => set('consentText', e.currentTarget.value)}
        />
      </Stack>
      <Group gap="md">
        {(['name', 'email', 'phone'] as const).map((field) => (
          <Stack gap={2} key={field}>
            <Text size="sm" fw={500} tt="capitalize">
              {field}
            </Text>
            <SegmentedControl
              size="xs"
              aria-label={`Pre-chat ${field}`}
              disabled={disabled}
              data={MODES}
              value={value.prechat[field]}
              onChange={(v) => set('prechat', { ...value.prechat, [field]: v as WidgetSettings['prechat']['name'] })}
            />
          </Stack>
        ))}
      </Group>
      <Switch
        label="Opening hours (Monday to Friday)"
        disabled={disabled}
        checked={hours !== null}
        onChange={(e) =>
          set(
            'hours',
            e.currentTarget.checked
              ? {
                  timeZone: 'UTC',
                  days: weekdays('09:00', '17:00'),
                  awayMessage: 'We are away right now.',
                  agentAnswersOutOfHours: true,
                }
              : null,
          )
        }
      />
      {hours ? (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Time zone"
            disabled={disabled}
            value={hours.timeZone}
            onChange={(e) => set('hours', { ...hours, timeZone: e.currentTarget.value })}
          />
          <TextInput
            label="Opens"
            disabled={disabled}
            value={hours.days[0]?.open ?? '09:00'}
            onChange={(e) =>
              set('hours', { ...hours, days: weekdays(e.currentTarget.value, hours.days[0]?.close ?? '17:00') })
            }
          />
          <TextInput
            label="Closes"
            disabled={disabled}
            value={hours.days[0]?.close ?? '17:00'}
            onChange={(e) =>
              set('hours', { ...hours, days: weekdays(hours.days[0]?.open ?? '09:00', e.currentTarget.value) })
            }
          />
          <TextInput
            label="Away message"
            disabled={disabled}
            value={hours.awayMessage}
            onChange={(e) => set('hours', { ...hours, awayMessage: e.currentTarget.value })}
          />
          <Switch
            mt="lg"
            label="The agent answers out of hours"
            disabled={disabled}
            checked={hours.agentAnswersOutOfHours}
            onChange={(e) => set('hours', { ...hours, agentAnswersOutOfHours: e.currentTarget.checked })}
          />
        </SimpleGrid>
      ) : null}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <NumberInput
          label="Messages per minute"
          disabled={disabled}
          min={1}
          max={120}
          value={value.limits.messagesPerMinute}
          onChange={(v) => set('limits', { ...value.limits, messagesPerMinute: Number(v) || 1 })}
        />
        <NumberInput
          label="Longest message"
          disabled={disabled}
          min={1}
          max={4000}
          value={value.limits.maxMessageLength}
          onChange={(v) => set('limits', { ...value.limits, maxMessageLength: Number(v) || 1 })}
        />
        <NumberInput
          label="Conversations per address per day"
          disabled={disabled}
          min={1}
          max={1000}
          value={value.limits.conversationsPerIpPerDay}
          onChange={(v) => set('limits', { ...value.limits, conversationsPerIpPerDay: Number(v) || 1 })}
        />
      </SimpleGrid>
      <Switch
        label="Identity verification: every conversation needs the site's user id and its HMAC"
        disabled={disabled}
        checked={value.identityVerification}
        onChange={(e) => set('identityVerification', e.currentTarget.checked)}
      />
    </Stack>
  );
}
