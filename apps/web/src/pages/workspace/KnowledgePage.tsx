import { Alert, Card, Divider, Grid, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { ApiError, errorMessage } from '../../api/client';
import { AddSource } from '../../components/knowledge/AddSource';
import { BusinessProfileSection } from '../../components/knowledge/BusinessProfile';
import { formatBytes, SourcesTable } from '../../components/knowledge/SourcesTable';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { type KnowledgeOverview, useKnowledge, useKnowledgeSettings } from '../../node/knowledge-api';
import { useNodeSession } from '../../node/node-session';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

function NoAnswerSetting({ workspaceId, settings }: { workspaceId: string; settings: KnowledgeOverview['settings'] }) {
  const save = useKnowledgeSettings(workspaceId);
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        When the knowledge base has no answer
      </Text>
      <SegmentedControl
        size="xs"
        value={save.variables?.noAnswer ?? settings.noAnswer}
        onChange={(v) => save.mutate({ noAnswer: v as 'say' | 'handoff' })}
        data={[
          { value: 'say', label: 'Say it does not know' },
          { value: 'handoff', label: 'Hand off to the team' },
        ]}
        aria-label="When the knowledge base has no answer"
      />
      {save.isError ? (
        <Text size="xs" c="red" role="alert">
          {errorMessage(save.error)}
        </Text>
      ) : null}
    </Stack>
  );
}

function Knowledge({ workspaceId, manage, nodeHost }: { workspaceId: string; manage: boolean; nodeHost: string }) {
  const knowledge = useKnowledge(workspaceId);
  if (knowledge.isPending) return <Loading />;
  if (knowledge.isError) return <ErrorState error={knowledge.error} onRetry={() => void knowledge.refetch()} />;
  const { sources, counts, settings, search, profile } = knowledge.data;
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={2} size="h3">
          Knowledge
        </Title>
        <Text size="sm" c="dimmed" data-testid="knowledge-counts">
          {counts.sources} sources · {counts.chunks} chunks · {formatBytes(counts.bytes)}
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        Your documents and pages live on your server ({nodeHost}); files go there straight from this browser and never
        pass through Enclave, which only sees the counts.
      </Text>
      {search === 'bm25' ? (
        <Alert color="yellow" variant="light" data-testid="knowledge-bm25-note">
          BM25 only: add an OpenAI key for semantic search. Answers come from keyword matches until then.
        </Alert>
      ) : (
        <Text size="xs" c="dimmed" data-testid="knowledge-hybrid-note">
          Search combines keyword matching (BM25) with OpenAI embeddings (text-embedding-3-small).
        </Text>
      )}
      <Grid gutter="lg">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <SourcesTable workspaceId={workspaceId} sources={sources} manage={manage} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack gap="md">
            {manage ? (
              <Card withBorder padding="md">
                <Stack gap="xs">
                  <Title order={3} size="h4">
                    Add a source
                  </Title>
                  <AddSource workspaceId={workspaceId} />
                </Stack>
              </Card>
            ) : null}
            {manage ? <NoAnswerSetting workspaceId={workspaceId} settings={settings} /> : null}
          </Stack>
        </Grid.Col>
      </Grid>
      <Divider />
      <BusinessProfileSection workspaceId={workspaceId} profile={profile} manage={manage} />
    </Stack>
  );
}

/** The knowledge base: read from and managed on the workspace's node with a node session. */
export function KnowledgePage() {
  const workspace = useCurrentWorkspace();
  const session = useNodeSession(workspace.id);
  if (session.data)
    return (
      <Knowledge
        key={session.data.nodeUrl}
        workspaceId={workspace.id}
        manage={canManage(workspace)}
        nodeHost={new URL(session.data.nodeUrl).host}
      />
    );
  if (session.isPending) return <Loading label="Connecting to your server…" />;
  if (session.error instanceof ApiError && session.error.code === 'node_not_ready')
    return (
      <EmptyState title="Your server is not running yet">
        The knowledge base lives on your server. It opens here once the server is set up and running (see Server).
      </EmptyState>
    );
  return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
}
