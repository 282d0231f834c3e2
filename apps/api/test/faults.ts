import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisioningAction, ProvisioningRunEntity, ProvisioningStepEntity } from '@enclave/persistence';
import type { TestSshd } from '@enclave/testing';
import type { DataSource } from 'typeorm';
import { eventually } from './eventually';

/** Fault injection for the provisioning e2e specs: where a run is, and the faults themselves. */

/** The steps of the workspace's run for `action`, in table order (none before the run is opened). */
export async function stepsOf(
  dataSource: DataSource,
  workspaceId: string,
  action: ProvisioningAction,
): Promise<ProvisioningStepEntity[]> {
  const run = await dataSource.getRepository(ProvisioningRunEntity).findOneBy({ workspaceId, action });
  if (!run) return [];
  return dataSource
    .getRepository(ProvisioningStepEntity)
    .find({ where: { runId: run.id }, order: { position: 'ASC' } });
}

/**
 * Waits until one of `names` is running and returns it; undefined when they all passed before a
 * poll saw one running (the fault then lands elsewhere, and the caller should say so).
 */
export async function waitForRunningStep(
  dataSource: DataSource,
  workspaceId: string,
  action: ProvisioningAction,
  names: readonly string[],
  timeoutMs = 120_000,
): Promise<string | undefined> {
  const seen = await eventually(
    async () => {
      const steps = (await stepsOf(dataSource, workspaceId, action)).filter((s) => names.includes(s.name));
      const running = steps.find((s) => s.status === 'running');
      if (running) return { name: running.name };
      if (steps.length === names.length && steps.every((s) => s.status === 'succeeded')) return { name: undefined };
      return undefined;
    },
    timeoutMs,
    10,
  );
  return seen.name;
}

/** Whether `name` was still running after the fault: only then did the fault interrupt it. */
export async function stillRunning(
  dataSource: DataSource,
  workspaceId: string,
  action: ProvisioningAction,
  name: string,
): Promise<boolean> {
  return (await stepsOf(dataSource, workspaceId, action)).some((s) => s.name === name && s.status === 'running');
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/**
 * Cuts every SSH connection to the test host: kill -9 of the per-connection sshd processes (and
 * what they run), not the listening daemon, so the host stays reachable for the retry.
 * Returns how many processes were killed.
 */
export function cutSshSessions(sshd: TestSshd): number {
  const daemon = Number(readFileSync(join(sshd.dir, 'sshd.pid'), 'utf8').trim());
  const doomed: number[] = [];
  for (let queue = childrenOf(daemon); queue.length;) {
    const pid = queue.shift() as number;
    doomed.push(pid);
    queue = [...queue, ...childrenOf(pid)];
  }
  for (const pid of doomed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone with its parent
    }
  }
  return doomed.length;
}

/**
 * Drops every connection to this database but the one asking (the API's and the workers' pools,
 * advisory-lock sessions included), as a PostgreSQL restart or failover does. Returns how many.
 */
export async function terminateDatabaseConnections(dataSource: DataSource): Promise<number> {
  const rows = (await dataSource.query(
    `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  )) as Array<{ terminated: boolean }>;
  return rows.filter((row) => row.terminated).length;
}

/** PIDs of the node processes running from the install root `root` on the (loopback) host. */
export function nodeProcesses(root: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `${root}/current/bin/node`])
      .toString()
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return [];
  }
}
