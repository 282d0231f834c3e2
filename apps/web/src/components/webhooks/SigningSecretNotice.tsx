import { Alert, Button, Stack, Text } from '@mantine/core';
import { CopyField } from '../CopyField';

/** The signing secret right after creation or rotation: shown this once, never again. */
export function SigningSecretNotice({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <Alert color="yellow" variant="light" title="Copy the signing secret now" data-testid="signing-secret-notice">
      <Stack gap="xs">
        <Text size="sm">
          Your receiver verifies every request with it (Standard Webhooks). It is shown only this once: Enclave keeps a
          fingerprint, your server keeps the secret.
        </Text>
        <CopyField label="Signing secret" value={secret} testId="signing-secret" />
        <Button size="xs" variant="default" onClick={onDone} w="fit-content">
          I have copied it
        </Button>
      </Stack>
    </Alert>
  );
}
