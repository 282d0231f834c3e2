import { Alert, Button, Card, Code, Grid, Group, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { DEFAULT_WIDGET_SETTINGS } from '@enclave/node-protocol/src/widget';
import { errorMessage } from '../../api/client';
import { useAgents } from '../../api/queries';
import { type WidgetSettings, useRotateWidgetSecret, useSaveWidget, useWidget } from '../../api/widget-queries';
import { CopyField } from '../../components/CopyField';
import { ErrorState, Loading } from '../../components/States';
import { WidgetPreview } from '../../components/widget/WidgetPreview';
import { WidgetSettingsForm } from '../../components/widget/WidgetSettingsForm';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

/** A new widget's settings: the shared defaults (libs/node-protocol/src/widget.ts). */
const DEFAULTS: WidgetSettings = DEFAULT_WIDGET_SETTINGS;

/** The website chat widget: settings, a live preview and the snippet to paste into the site. */
export function WidgetPage() {
  const workspace = useCurrentWorkspace();
  const widget = useWidget(workspace.id);
  const agents = useAgents(workspace.id);
  const save = useSaveWidget(workspace.id);
  const rotate = useRotateWidgetSecret(workspace.id);
  const manage = canManage(workspace);
  const [settings, setSettings] = useState<WidgetSettings>(DEFAULTS);
  const [agentId, setAgentId] = useState<string | null>(null);
  const [enabled, setEnabled] = useState(true);

  // The saved widget fills the form once; later answers (a save, a new secret) keep unsaved edits.
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    if (!widget.data || loaded) return;
    setSettings(widget.data.settings);
    setAgentId(widget.data.agentId);
    setEnabled(widget.data.enabled);
    setLoaded(true);
  }, [widget.data, loaded]);
  useEffect(() => {
    if (!agentId && agents.data?.[0]) setAgentId(agents.data[0].id);
  }, [agents.data, agentId]);

  if (widget.isPending || agents.isPending) return <Loading />;
  if (widget.isError) return <ErrorState error={widget.error} onRetry={() => void widget.refetch()} />;
  if (agents.isError) return <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />;
  const current = widget.data;

  return (
    <Grid gutter="md">
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Website chat widget
          </Title>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (agentId) save.mutate({ agentId, enabled, settings });
            }}
          >
            <Stack gap="sm">
              <Group align="flex-end">
                <Select
                  label="Agent"
                  disabled={!manage}
                  data={agents.data.map((a) => ({ value: a.id, label: a.name }))}
                  value={agentId}
                  onChange={setAgentId}
                />
                <Switch
                  label="Enabled"
                  disabled={!manage}
                  checked={enabled}
                  onChange={(e) => setEnabled(e.currentTarget.checked)}
                />
              </Group>
              <WidgetSettingsForm value={settings} onChange={setSettings} disabled={!manage} />
              {save.isError ? <Alert color="red">{errorMessage(save.error)}</Alert> : null}
              {save.data ? (
                <Text size="sm" c="dimmed">
                  Saved
                  {save.data.delivery === 'pending'
                    ? '; the server gets it as soon as it is reachable'
                    : ' and live on your server'}
                  .
                </Text>
              ) : null}
              {manage ? (
                <Group>
                  <Button type="submit" disabled={!agentId} loading={save.isPending}>
                    Save widget
                  </Button>
                </Group>
              ) : null}
            </Stack>
          </form>
        </Card>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Stack gap="md">
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              Preview
            </Title>
            <WidgetPreview settings={settings} />
          </Card>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              Embed
            </Title>
            {current?.snippet ? (
              <CopyField label="Snippet" value={current.snippet} testId="widget-snippet" />
            ) : (
              <Text size="sm" c="dimmed">
                Save the widget once your server is running to get the snippet.
              </Text>
            )}
          </Card>
          {current && manage ? (
            <Card withBorder>
              <Title order={3} size="h5" mb="xs">
                Identity verification secret
              </Title>
              <Text size="sm" mb="xs">
                Your server signs each user id: <Code>HMAC-SHA256(user_id, secret)</Code> as hex, passed to the page as{' '}
                <Code>window.EnclaveWidget = {'{ userId, userHash }'}</Code>.
                {current.identitySecret ? ` Current secret ends in ${current.identitySecret.mask}.` : ' No secret yet.'}
              </Text>
              {rotate.data ? <CopyField label="New secret (shown once)" value={rotate.data.secret} /> : null}
              <Button variant="default" size="xs" mt="xs" loading={rotate.isPending} onClick={() => rotate.mutate()}>
                {current.identitySecret ? 'Rotate secret' : 'Create secret'}
              </Button>
            </Card>
          ) : null}
        </Stack>
      </Grid.Col>
    </Grid>
  );
}
