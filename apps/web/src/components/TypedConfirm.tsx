import { Button, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';

interface TypedConfirmProps {
  /** What the person must type, exactly (e.g. the workspace's slug). */
  phrase: string;
  action: string;
  onConfirm(): void;
  loading?: boolean;
}

/** A destructive action armed only once the exact phrase is typed. */
export function TypedConfirm({ phrase, action, onConfirm, loading }: TypedConfirmProps) {
  const [typed, setTyped] = useState('');
  const armed = typed === phrase;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (armed) onConfirm();
  }
  return (
    <form onSubmit={submit}>
      <Stack gap="xs" align="flex-start">
        <TextInput
          w="100%"
          maw={360}
          label={
            <Text size="sm" component="span">
              Type <b>{phrase}</b> to confirm
            </Text>
          }
          name="confirm"
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(event) => setTyped(event.currentTarget.value)}
        />
        <Button type="submit" color="red" disabled={!armed} loading={loading}>
          {action}
        </Button>
      </Stack>
    </form>
  );
}
