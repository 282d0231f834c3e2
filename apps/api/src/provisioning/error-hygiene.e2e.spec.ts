import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditEventEntity, ProvisioningRunEntity, ProvisioningStepEntity } from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { recordFigureSection } from '@enclave/sandbox';
import type { TestSshd } from '@enclave/testing';
import { leaks, redisDump } from '../../test/leak-scan';
import { CLOUDFLARE_TOKEN } from '../../test/provisioning-env';
import {
  eventually,
  type ProvisioningHarness,
  startProvisioningHarness,
  type WorkerProcess,
} from '../../test/provisioning-harness';

/**
 * A host whose `install` fails on the staged node config and prints it to stderr: the worst
 * echo a host can make, since that config carries the one-time enrolment token, a random
 * base64url string no token shape matches. The fake goes first on PATH for this sshd only
 * (sshd's SetEnv overrides the PATH it gives sessions); every other call reaches the real tool.
 * Each echoed config is also appended to `capture`, so the test knows every token sent.
 */
async function echoInstalledConfig(sshd: TestSshd): Promise<{ capture: string; heal: () => void }> {
  const bin = join(sshd.dir, 'echoing-bin');
  const capture = join(sshd.dir, 'echoed-configs');
  mkdirSync(bin, { recursive: true });
  const fake = join(bin, 'install');
  writeFileSync(
    fake,
    [
      '#!/bin/bash',
      'for arg in "$@"; do',
      '  case "$arg" in *.node.json.staged)',
      `    cat "$arg" >&2; cat "$arg" >> '${capture}'`,
      '    echo "install: cannot change ownership of $arg: Operation not permitted" >&2',
      '    exit 1 ;;',
      '  esac',
      'done',
      'exec /usr/bin/install "$@"',
      '',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
  const config = join(sshd.dir, 'sshd_config');
  const path = `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  writeFileSync(config, readFileSync(config, 'utf8').replace('SetEnv SHLVL=1', `SetEnv SHLVL=1 PATH=${path}`));
  await sshd.stop();
  await sshd.start();
  return { capture, heal: () => rmSync(fake) };
}

describe('provisioning error hygiene: a host that echoes the enrolment token (real sshd)', () => {
  let h: ProvisioningHarness;
  let worker: WorkerProcess;

  beforeAll(async () => {
    h = await startProvisioningHarness();
    worker = h.startWorker('hygiene');
  }, 120_000);
  afterAll(async () => {
    await worker?.kill();
    await h?.close();
  });

  /** Every place a failed provisioning run is recorded or shown, as text, once the job has failed. */
  async function failureRecords(workspaceId: string) {
    const queue = h.api.app.get(QueueService).queueOf(JobName.ProvisionWorkspace);
    const job = await eventually(async () => {
      const found = await queue.getJob(JOB_IDS.provisionWorkspace(workspaceId));
      return (await found?.isFailed()) ? found : undefined;
    }, 10_000);
    const run = await h.api.dataSource.getRepository(ProvisioningRunEntity).findOneByOrFail({ workspaceId });
    const steps = await h.api.dataSource.getRepository(ProvisioningStepEntity).findBy({ runId: run.id });
    const audit = await h.api.dataSource.getRepository(AuditEventEntity).findBy({ workspaceId });
    const staffView = await h.api
      .http()
      .get(`/api/staff/workspaces/${workspaceId}/provisioning`)
      .set('cookie', h.staffCookie)
      .expect(200);
    const ownerView = await h.api
      .http()
      .get(`/api/workspaces/${workspaceId}/provisioning`)
      .set('cookie', h.ownerCookie)
      .expect(200);
    expect(run.status).toBe('failed');
    expect(audit.map((event) => event.action)).toContain('provisioning.failed');
    expect(ownerView.body.workspaceStatus).toBe('provisioning_failed');
    const places: Record<string, string> = {
      'provisioning_steps (log, error)': JSON.stringify(steps.map(({ name, log, error }) => ({ name, log, error }))),
      'provisioning_runs.error': String(run.error),
      'job failedReason + stacktrace': JSON.stringify({ reason: job.failedReason, stack: job.stacktrace }),
      'Redis (every key)': (await redisDump(h.api)).text,
      'audit_events.details': JSON.stringify(audit.map((event) => event.details)),
      'staff API provisioning answer': JSON.stringify(staffView.body),
      'customer API provisioning answer': JSON.stringify(ownerView.body),
      'worker log': readFileSync(worker.logFile, 'utf8'),
    };
    return { run, steps, job, places };
  }

  it('keeps an echoed enrolment token out of steps, run, job, audit, both APIs and the worker log; staff can retry', async () => {
    const { sshd } = await h.addHost();
    const host = await echoInstalledConfig(sshd);
    const workspaceId = await h.paidWorkspace('echoing-host', { attempts: 2, backoff: { type: 'fixed', delay: 200 } });
    expect(await h.waitForStatus(workspaceId, ['provisioning_failed', 'active'], 180_000)).toBe('provisioning_failed');
    const { run, steps, job, places } = await failureRecords(workspaceId);

    // One fresh token per attempt (the node never enrolled), each echoed by the host.
    const tokens = [...readFileSync(host.capture, 'utf8').matchAll(/"enrolmentToken": "([^"]+)"/g)].map((m) => m[1]);
    expect(tokens).toHaveLength(2);
    expect(run.attempts).toBe(2);
    const install = steps.find((step) => step.name === 'install');
    expect(install).toMatchObject({ status: 'failed', attempts: 2 });
    // What staff need is still there: the failed command, its exit code and the tool's complaint.
    expect(install?.error).toMatch(/exit code 1: .*install\.sh[\s\S]*Operation not permitted/);
    // Non-vacuous: the failure did reach the job and the worker log.
    expect(job.failedReason).toContain('Operation not permitted');
    expect(places['worker log']).toContain('provision attempt failed');
    const hits = leaks(tokens, places);
    recordFigureSection('hygiene', 'controlPlane (host echoes the node config)', {
      faultsInjected: tokens.length,
      secretsWatched: tokens.length,
      placesChecked: Object.keys(places),
      hits,
    });
    expect(hits).toEqual([]);

    // Once the host is fixed, the staff retry takes the workspace to active.
    host.heal();
    await h.api
      .http()
      .post(`/api/staff/workspaces/${workspaceId}/provisioning/retry`)
      .set('cookie', h.staffCookie)
      .expect(202);
    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 180_000)).toBe('active');
  }, 420_000);

  it('keeps a Cloudflare error that echoes the API token out of every record of the failed run', async () => {
    await h.addHost();
    // Cloudflare refuses the DNS record with a message quoting the token it was sent.
    const fault = await fetch(`${h.cloudflare.url}/cloudflare/_test/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        fault: 'error',
        status: 403,
        errors: [{ code: 10000, message: `Authentication error: token ${CLOUDFLARE_TOKEN} may not edit this zone` }],
      }),
    });
    expect(fault.status).toBe(200);
    const workspaceId = await h.paidWorkspace('cloudflare-echo', { attempts: 1 });
    expect(await h.waitForStatus(workspaceId, ['provisioning_failed', 'active'], 180_000)).toBe('provisioning_failed');
    const { steps, job, places } = await failureRecords(workspaceId);
    expect(steps.find((step) => step.name === 'dns')).toMatchObject({ status: 'failed' });
    expect(job.failedReason).toMatch(/10000.*Authentication error/);
    const hits = leaks([CLOUDFLARE_TOKEN], places);
    recordFigureSection('hygiene', 'controlPlane (Cloudflare echoes its API token)', {
      faultsInjected: 1,
      secretsWatched: 1,
      placesChecked: Object.keys(places),
      hits,
    });
    expect(hits).toEqual([]);
  }, 300_000);
});
