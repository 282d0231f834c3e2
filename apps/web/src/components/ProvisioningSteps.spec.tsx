/** @jest-environment jsdom */
import { screen, within } from '@testing-library/react';
import type { ProvisioningRun } from '../api/client';
import { renderWithMantine } from '../test/render';
import { duration, ProvisioningSteps, runProgress } from './ProvisioningSteps';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds)).toISOString();

const run: ProvisioningRun = {
  id: '11111111-2222-4333-8444-555555555555',
  action: 'provision',
  status: 'running',
  attempts: 1,
  error: null,
  startedAt: at(0),
  finishedAt: null,
  steps: [
    { name: 'allocate', status: 'succeeded', attempts: 1, startedAt: at(0), finishedAt: at(0), error: null },
    {
      name: 'ssh-ready',
      status: 'succeeded',
      attempts: 2,
      startedAt: at(0),
      finishedAt: at(3),
      error: null,
      log: 'ssh: connected\n',
    },
    { name: 'upload', status: 'failed', attempts: 3, startedAt: at(3), finishedAt: at(5), error: 'checksum mismatch' },
    { name: 'install', status: 'pending', attempts: 0, startedAt: null, finishedAt: null, error: null },
  ],
};

describe('ProvisioningSteps', () => {
  it('computes progress from succeeded steps and readable durations', () => {
    expect(runProgress(run)).toBe(50);
    expect(runProgress({ ...run, steps: [] })).toBe(0);
    expect(duration(at(0), at(3))).toBe('3.0 s');
    expect(duration(at(0), null, Date.parse(at(0)) + 250)).toBe('250 ms');
    expect(duration(at(0), at(125))).toBe('2 min 5 s');
    expect(duration(null, null)).toBeNull();
  });

  it('lists each step with its state, attempts, timing and error, and a progress bar', () => {
    renderWithMantine(<ProvisioningSteps run={run} />);
    const steps = screen.getByRole('list', { name: 'Provisioning steps' });
    expect(
      within(steps)
        .getAllByRole('listitem')
        .map((item) => item.getAttribute('data-status')),
    ).toEqual(['succeeded', 'succeeded', 'failed', 'pending']);
    expect(screen.getByText('Upload the agent bundle')).toBeTruthy();
    expect(screen.getByText('checksum mismatch')).toBeTruthy();
    expect(screen.getByText('attempt 3')).toBeTruthy();
    expect(screen.getByText('3.0 s')).toBeTruthy();
    expect(screen.getByLabelText('Provisioning progress').getAttribute('aria-valuenow')).toBe('50');
    // Customers never see the command log; staff do.
    expect(screen.queryByText(/ssh: connected/)).toBeNull();
  });

  it('shows each step’s redacted log to staff', () => {
    renderWithMantine(<ProvisioningSteps run={run} showLog />);
    expect(screen.getByText(/ssh: connected/)).toBeTruthy();
  });
});
