import { Button, Group, NativeSelect, NumberInput, PasswordInput, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { ErrorState, Loading } from '../States';
import {
  type TranscriptSettings,
  type TranscriptSettingsInput,
  useSaveTranscripts,
  useTranscriptSettings,
} from './webhook-queries';

const CREDENTIAL_LABEL: Record<TranscriptSettingsInput['provider'], string> = {
  smtp: 'SMTP URL (smtps://user:password@host:465)',
  resend: 'Resend API key (re_…)',
  postmark: 'Postmark server token',
};

function Form({
  workspaceId,
  current,
  manage,
}: {
  workspaceId: string;
  current: TranscriptSettings | null;
  manage: boolean;
}) {
  const save = useSaveTranscripts(workspaceId);
  const [enabled, setEnabled] = useState(current?.enabled ?? true);
  const [provider, setProvider] = useState<TranscriptSettingsInput['provider']>(current?.provider ?? 'smtp');
  const [from, setFrom] = useState(current?.from ?? '');
  const [recipients, setRecipients] = useState((current?.recipients ?? []).join(', '));
  const [idle, setIdle] = useState<number | ''>(current?.idleMinutes ?? '');
  const [credential, setCredential] = useState('');
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(
          {
            enabled,
            provider,
            from: from.trim(),
            recipients: recipients.split(/[,\s]+/).filter(Boolean),
            idleMinutes: idle === '' ? null : idle,
            ...(credential.trim() ? { credential: credential.trim() } : {}),
          },
          { onSuccess: () => setCredential('') },
        );
      }}
    >
      <Stack gap="xs" maw={560}>
        <Switch
          label="Mail transcripts"
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
          disabled={!manage}
        />
        <NativeSelect
          label="Your mail provider"
          value={provider}
          onChange={(e) => setProvider(e.currentTarget.value as TranscriptSettingsInput['provider'])}
          data={[
            { value: 'smtp', label: 'SMTP' },
            { value: 'resend', label: 'Resend' },
            { value: 'postmark', label: 'Postmark' },
          ]}
          disabled={!manage}
        />
        <TextInput
          label="From"
          placeholder="agent@your-domain.com"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
          disabled={!manage}
          required
        />
        <TextInput
          label="Send to (comma-separated, up to 10)"
          value={recipients}
          onChange={(e) => setRecipients(e.currentTarget.value)}
          disabled={!manage}
          required
        />
        <NumberInput
          label="Also when a conversation is quiet for (minutes; empty: only when resolved)"
          value={idle}
          min={5}
          max={10080}
          onChange={(v) => setIdle(typeof v === 'number' ? v : '')}
          disabled={!manage}
        />
        {manage ? (
          <PasswordInput
            label={CREDENTIAL_LABEL[provider]}
            description={
              current?.credential
                ? `Stored on your server: ${current.credential.mask}. Leave empty to keep it.`
                : 'Goes to your server; Enclave keeps only a masked fingerprint.'
            }
            autoComplete="off"
            value={credential}
            onChange={(e) => setCredential(e.currentTarget.value)}
          />
        ) : null}
        {manage ? (
          <Group>
            <Button type="submit" size="xs" loading={save.isPending}>
              Save
            </Button>
            {save.isSuccess ? (
              <Text size="sm" c="green">
                Saved
              </Text>
            ) : null}
          </Group>
        ) : null}
        {save.isError ? (
          <Text c="red" size="sm" role="alert">
            {errorMessage(save.error)}
          </Text>
        ) : null}
      </Stack>
    </form>
  );
}

/** Transcripts by mail: sent by the workspace's server through the customer's own provider. */
export function TranscriptsForm({ workspaceId, manage }: { workspaceId: string; manage: boolean }) {
  const settings = useTranscriptSettings(workspaceId);
  if (settings.isPending) return <Loading />;
  if (settings.isError) return <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />;
  return <Form workspaceId={workspaceId} current={settings.data.transcripts} manage={manage} />;
}
