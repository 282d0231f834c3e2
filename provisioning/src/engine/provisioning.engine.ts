import { Injectable } from '@nestjs/common';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import { OwnerNotifier } from '@enclave/mailer';
import type { ProvisioningAction, ProvisioningStepEntity, WorkspaceEntity } from '@enclave/persistence';
import { scrubKnownSecrets } from '@enclave/secrets';
import { UnrecoverableError } from 'bullmq';
import { HostKeyMismatchError } from '../ssh/ssh-executor';
import { AllocationStore } from './allocation-store';
import { ProvisioningNotConfiguredError, ProvisioningRuntime } from './provisioning-runtime';
import { RunStore } from './run-store';
import { StepContext } from './step-context';
import type { ProvisioningStep, StepTable } from './steps/step';
import { DeprovisionStepTable, ProvisionStepTable } from './steps/step-tables';
import { type RunLease, WorkspaceRunLock } from './workspace-run-lock';
import { WorkspaceStore } from './workspace-store';

export type RunOutcome = { outcome: 'succeeded'; runId: string; ms: number } | { outcome: 'skipped'; reason: string };

const AUDIT_PREFIX: Record<ProvisioningAction, string> = { provision: 'provisioning', deprovision: 'deprovisioning' };

/**
 * Provisions and deprovisions one workspace's agent node by running a step table
 * (steps/step-tables.ts). State lives in Postgres (provisioning_runs / provisioning_steps, hosts,
 * nodes): a run that stops anywhere — a crash, a kill -9, a lost connection — continues at the
 * first unfinished step when the job runs again. The engine only sequences, records and decides
 * what is retried; each step does its own work.
 */
@Injectable()
export class ProvisioningEngine {
  constructor(
    private readonly lock: WorkspaceRunLock,
    private readonly workspaces: WorkspaceStore,
    private readonly allocations: AllocationStore,
    private readonly store: RunStore,
    private readonly runtime: ProvisioningRuntime,
    private readonly audit: AuditService,
    private readonly notifier: OwnerNotifier,
    private readonly provisionSteps: ProvisionStepTable,
    private readonly deprovisionSteps: DeprovisionStepTable,
  ) {}

  provision(workspaceId: string): Promise<RunOutcome> {
    return this.lock.hold(workspaceId, async (lease) => {
      const workspace = await this.workspaces.find(workspaceId);
      if (!workspace || workspace.deletedAt) return { outcome: 'skipped', reason: 'workspace does not exist' };
      if (workspace.status !== 'provisioning' && workspace.status !== 'provisioning_failed')
        return { outcome: 'skipped', reason: `workspace is ${workspace.status}` };
      return this.runSteps(workspace, 'provision', this.provisionSteps, lease, async (ctx, ms) => {
        const node = ctx.requireNode();
        const activated = await this.workspaces.activate(workspaceId, node.id, {
          runId: ctx.run.id,
          hostId: ctx.requireHost().id,
          version: node.bundleVersion,
          attempts: ctx.run.attempts,
          ms,
        });
        await this.store.runFinished(ctx.run);
        if (activated)
          await this.notifier.notify({
            kind: 'provisioning_ready',
            workspace,
            nodeUrl: `https://${this.runtime.nodeHostname(workspace.slug)}`,
          });
      });
    });
  }

  deprovision(workspaceId: string): Promise<RunOutcome> {
    return this.lock.hold(workspaceId, async (lease) => {
      const workspace = await this.workspaces.find(workspaceId);
      if (!workspace) return { outcome: 'skipped', reason: 'workspace does not exist' };
      if (workspace.status !== 'deprovisioning')
        return { outcome: 'skipped', reason: `workspace is ${workspace.status}` };
      // An unfinished provisioning is superseded: it must not be resumed later.
      await this.store.cancelUnfinished(workspaceId, 'provision', 'superseded by deprovisioning');
      return this.runSteps(workspace, 'deprovision', this.deprovisionSteps, lease, async (ctx, ms) => {
        await this.workspaces.markDeprovisioned(workspaceId, ctx.run, {
          nodeId: ctx.node?.id ?? null,
          hostId: ctx.host?.id ?? null,
          ms,
        });
        await this.store.runFinished(ctx.run);
      });
    });
  }

  /** Called by the job handler when an attempt failed; on the last one the workspace is marked failed. */
  async recordFailure(workspaceId: string, action: ProvisioningAction, error: Error, final: boolean): Promise<void> {
    const run = await this.store.unfinishedRun(workspaceId, action);
    if (!final) {
      if (run) await this.store.attemptFailed(run, error.message);
      return;
    }
    if (run) await this.store.runFinished(run, error.message);
    const failed = await this.workspaces.markFailed(workspaceId, action, run, error);
    if (failed) await this.notifier.notify({ kind: 'provisioning_delayed', workspace: failed });
  }

  /** Opens (or continues) the run, runs every unfinished step in table order, then `finish`. */
  private async runSteps<Name extends string>(
    workspace: WorkspaceEntity,
    action: ProvisioningAction,
    table: StepTable<Name>,
    lease: RunLease,
    finish: (ctx: StepContext, ms: number) => Promise<void>,
  ): Promise<RunOutcome> {
    const started = Date.now();
    const { run, steps } = await this.store.openRun(workspace.id, action, table.names);
    if (run.attempts === 1)
      await this.audit.recordAlone({
        actor: SYSTEM_ACTOR,
        action: `${AUDIT_PREFIX[action]}.started`,
        workspaceId: workspace.id,
        target: { type: 'provisioning_run', id: run.id },
      });
    const ctx = new StepContext(workspace, run, this.store, this.runtime);
    try {
      const { host, node } = await this.allocations.load(workspace.id);
      ctx.host = host;
      ctx.node = node;
      for (const record of steps) {
        if (record.status === 'succeeded') continue;
        const step = (table.steps as Record<string, ProvisioningStep | undefined>)[record.name];
        if (!step) throw new UnrecoverableError(`run ${run.id} has a step "${record.name}" this version does not know`);
        lease.assertHeld();
        await this.runStep(ctx, record, step);
      }
      lease.assertHeld();
      await finish(ctx, Date.now() - started);
      return { outcome: 'succeeded', runId: run.id, ms: Date.now() - started };
    } finally {
      await ctx.close();
    }
  }

  /** Records the step's start and end; a wrong host key or missing configuration is not retried. */
  private async runStep(ctx: StepContext, record: ProvisioningStepEntity, step: ProvisioningStep): Promise<void> {
    await this.store.stepStarted(ctx.run, record);
    try {
      await ctx.within(record, () => step.run(ctx));
      await this.store.stepFinished(ctx.run, record);
    } catch (error) {
      if (error instanceof Error) scrubInPlace(error, this.runtime.knownSecrets());
      await this.store.stepFinished(ctx.run, record, (error as Error).message);
      if (error instanceof HostKeyMismatchError) {
        await this.audit.recordAlone({
          actor: SYSTEM_ACTOR,
          action: 'provisioning.host_key_mismatch',
          workspaceId: ctx.workspace.id,
          target: ctx.host ? { type: 'host', id: ctx.host.id } : null,
          outcome: 'denied',
          details: { host: error.host, expected: error.expected, presented: error.presented, step: record.name },
        });
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof ProvisioningNotConfiguredError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }
}

/**
 * Scrubs a step's error where it stands (message and stack, class kept for BullMQ), so every
 * place it goes next — step and run rows, the audit event, BullMQ's failedReason and stacktrace,
 * the worker log — gets the scrubbed text: a provider answer may echo a credential it was sent.
 */
function scrubInPlace(error: Error, secrets: readonly string[]): void {
  error.message = scrubKnownSecrets(error.message, secrets);
  if (error.stack) error.stack = scrubKnownSecrets(error.stack, secrets);
}
