import { Badge, Code, Group, Progress, Stack, Text, ThemeIcon } from '@mantine/core';
import type { ProvisioningRun, ProvisioningStep } from '../api/client';

const STEP_LABELS: Record<string, string> = {
  allocate: 'Allocate a server',
  'ssh-ready': 'Wait for SSH',
  upload: 'Upload the agent bundle',
  install: 'Install and configure',
  start: 'Start the service',
  dns: 'Create the DNS record',
  tls: 'Set up TLS',
  enrol: 'Node enrols with the control plane',
  healthy: 'First health check',
  'node-wipe': 'Node wipes its data',
  'host-wipe': 'Wipe the server',
  'dns-remove': 'Remove the DNS record',
  'certificate-revoke': 'Revoke the certificate',
  'host-release': 'Release the server',
};

const STATUS_COLOR: Record<string, string> = {
  pending: 'gray',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  canceled: 'gray',
};
const STATUS_MARK: Record<string, string> = { pending: '○', running: '…', succeeded: '✓', failed: '✕' };

export function duration(startedAt: string | null, finishedAt: string | null, now = Date.now()): string | null {
  if (!startedAt) return null;
  const ms = (finishedAt ? new Date(finishedAt).getTime() : now) - new Date(startedAt).getTime();
  if (ms < 1000) return `${Math.max(0, ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function runProgress(run: ProvisioningRun): number {
  if (run.steps.length === 0) return 0;
  return Math.round((run.steps.filter((step) => step.status === 'succeeded').length / run.steps.length) * 100);
}

function StepRow({ step, showLog }: { step: ProvisioningStep; showLog: boolean }) {
  const took = duration(step.startedAt, step.finishedAt);
  return (
    <li data-step={step.name} data-status={step.status} style={{ listStyle: 'none' }}>
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <ThemeIcon
          size="sm"
          radius="xl"
          variant={step.status === 'pending' ? 'outline' : 'filled'}
          color={STATUS_COLOR[step.status]}
          aria-hidden
        >
          <Text size="xs" fw={700} lh={1}>
            {STATUS_MARK[step.status]}
          </Text>
        </ThemeIcon>
        <div style={{ minWidth: 0, flex: 1 }}>
          <Group gap="xs" justify="space-between" wrap="wrap">
            <Text size="sm" fw={step.status === 'running' ? 600 : 400}>
              {STEP_LABELS[step.name] ?? step.name}
            </Text>
            <Group gap={6}>
              {step.attempts > 1 ? (
                <Text size="xs" c="dimmed">
                  attempt {step.attempts}
                </Text>
              ) : null}
              {took ? (
                <Text size="xs" c="dimmed">
                  {took}
                </Text>
              ) : null}
              <Badge size="xs" variant="light" color={STATUS_COLOR[step.status]}>
                {step.status}
              </Badge>
            </Group>
          </Group>
          {step.error ? (
            <Text size="xs" c="red" style={{ overflowWrap: 'anywhere' }}>
              {step.error}
            </Text>
          ) : null}
          {showLog && step.log ? (
            <Code block mt={4} style={{ maxHeight: 200, overflow: 'auto', fontSize: 11 }}>
              {step.log}
            </Code>
          ) : null}
        </div>
      </Group>
    </li>
  );
}

/** A run's steps with states, timings and a progress bar; staff see each step's redacted log. */
export function ProvisioningSteps({ run, showLog = false }: { run: ProvisioningRun; showLog?: boolean }) {
  const progress = runProgress(run);
  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Text size="sm">
          {run.action === 'provision' ? 'Provisioning' : 'Deprovisioning'} · <b>{run.status}</b>
          {run.startedAt ? ` · started ${new Date(run.startedAt).toLocaleTimeString()}` : ''}
          {duration(run.startedAt, run.finishedAt) ? ` · ${duration(run.startedAt, run.finishedAt)}` : ''}
        </Text>
        <Text size="sm" c="dimmed">
          {progress}%
        </Text>
      </Group>
      <Progress
        value={progress}
        color={run.status === 'failed' ? 'red' : run.status === 'succeeded' ? 'green' : 'blue'}
        animated={run.status === 'running'}
        aria-label="Provisioning progress"
      />
      {run.error ? (
        <Text size="sm" c="red" role="alert">
          {run.error}
        </Text>
      ) : null}
      <Stack component="ol" gap="xs" p={0} m={0} aria-label="Provisioning steps">
        {run.steps.map((step) => (
          <StepRow key={step.name} step={step} showLog={showLog} />
        ))}
      </Stack>
    </Stack>
  );
}
