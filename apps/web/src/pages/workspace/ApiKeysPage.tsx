import { Card, Code, Grid, Stack, Text, Title } from '@mantine/core';
import { ApiKeyList } from '../../components/api-keys/ApiKeyList';
import { CreateApiKey } from '../../components/api-keys/CreateApiKey';
import { useNodeSession } from '../../node/node-session';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

/**
 * Keys of the workspace server's OpenAI-compatible chat API. The control plane keeps name, mask,
 * fingerprint and settings; the key is shown once; the server keeps only its hash.
 */
export function ApiKeysPage() {
  const workspace = useCurrentWorkspace();
  const manage = canManage(workspace);
  const session = useNodeSession(workspace.id);
  const base = session.data ? `${session.data.nodeUrl.replace(/\/$/, '')}/v1` : `https://${workspace.slug}.…/v1`;
  return (
    <Stack gap="md">
      <Title order={2} size="h3">
        API keys
      </Title>
      <Text size="xs" c="dimmed">
        Your server answers OpenAI-compatible requests at <Code data-testid="api-base-url">{base}</Code>: point any
        OpenAI client there with a key below and use the agent&apos;s id as the model. Requests and replies go to your
        server only; Enclave sees counts.
      </Text>
      <Grid gutter="lg">
        <Grid.Col span={{ base: 12, lg: manage ? 8 : 12 }}>
          <ApiKeyList workspaceId={workspace.id} manage={manage} />
        </Grid.Col>
        {manage ? (
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Card withBorder padding="md">
              <Stack gap="xs">
                <Title order={3} size="h4">
                  Create a key
                </Title>
                <CreateApiKey workspaceId={workspace.id} />
              </Stack>
            </Card>
          </Grid.Col>
        ) : null}
      </Grid>
    </Stack>
  );
}
