import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type ProvisioningAction, ProvisioningRunEntity, ProvisioningStepEntity } from '@enclave/persistence';
import { scrubSecrets } from '@enclave/platform';
import { DataSource, In } from 'typeorm';
import { ProvisioningEventBus } from './provisioning-events';

const LOG_CAP = 64 * 1024;

/** Runs and steps in Postgres (the source of truth for resuming), with an event per change. */
@Injectable()
export class RunStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: ProvisioningEventBus,
  ) {}

  /** The unfinished run of this action (continued), or a new one with every step pending. */
  async openRun(
    workspaceId: string,
    action: ProvisioningAction,
    steps: readonly string[],
  ): Promise<{ run: ProvisioningRunEntity; steps: ProvisioningStepEntity[] }> {
    const run = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`provisioning-run:${workspaceId}:${action}`]);
      let current = await manager.findOneBy(ProvisioningRunEntity, {
        workspaceId,
        action,
        status: In(['running', 'failed']),
      });
      if (!current) {
        current = await manager.save(
          ProvisioningRunEntity,
          manager.create(ProvisioningRunEntity, {
            workspaceId,
            action,
            status: 'running',
            attempts: 0,
            error: null,
            startedAt: new Date(),
            finishedAt: null,
          }),
        );
        await manager.insert(
          ProvisioningStepEntity,
          steps.map((name, position) => ({
            runId: current!.id,
            name,
            position,
            status: 'pending' as const,
            attempts: 0,
            log: '',
          })),
        );
      }
      current.status = 'running';
      current.attempts += 1;
      current.error = null;
      current.finishedAt = null;
      return manager.save(current);
    });
    await this.emit(run, null, 'running', run.attempts, null);
    return { run, steps: await this.steps(run.id) };
  }

  /** The run of this action that has not succeeded yet (running, or failed and waiting for a retry). */
  unfinishedRun(workspaceId: string, action: ProvisioningAction): Promise<ProvisioningRunEntity | null> {
    return this.dataSource
      .getRepository(ProvisioningRunEntity)
      .findOneBy({ workspaceId, action, status: In(['running', 'failed']) });
  }

  /** An attempt failed and BullMQ will retry: the run stays running, with the error shown meanwhile. */
  async attemptFailed(run: ProvisioningRunEntity, error: string): Promise<void> {
    await this.dataSource
      .getRepository(ProvisioningRunEntity)
      .update({ id: run.id }, { error: scrubSecrets(error).slice(0, 4000) });
  }

  /** Ends the unfinished run of this action for good (it must never be resumed). */
  async cancelUnfinished(workspaceId: string, action: ProvisioningAction, reason: string): Promise<void> {
    await this.dataSource
      .getRepository(ProvisioningRunEntity)
      .update(
        { workspaceId, action, status: In(['running', 'failed']) },
        { status: 'canceled', finishedAt: new Date(), error: reason },
      );
  }

  steps(runId: string): Promise<ProvisioningStepEntity[]> {
    return this.dataSource.getRepository(ProvisioningStepEntity).find({ where: { runId }, order: { position: 'ASC' } });
  }

  async stepStarted(run: ProvisioningRunEntity, step: ProvisioningStepEntity): Promise<void> {
    step.status = 'running';
    step.attempts += 1;
    step.startedAt = new Date();
    step.finishedAt = null;
    step.error = null;
    step.log = this.cap(
      `${step.log}${step.log ? '\n' : ''}--- attempt ${step.attempts} at ${step.startedAt.toISOString()}\n`,
    );
    await this.dataSource.getRepository(ProvisioningStepEntity).update(
      { id: step.id },
      {
        status: step.status,
        attempts: step.attempts,
        startedAt: step.startedAt,
        finishedAt: null,
        error: null,
        log: step.log,
      },
    );
    await this.emit(run, step.name, 'running', step.attempts, null);
  }

  /** Appends redacted lines to the step log (persisted right away: a crash keeps what happened). */
  async log(step: ProvisioningStepEntity, text: string): Promise<void> {
    step.log = this.cap(`${step.log}${scrubSecrets(text)}\n`);
    await this.dataSource.getRepository(ProvisioningStepEntity).update({ id: step.id }, { log: step.log });
  }

  async stepFinished(run: ProvisioningRunEntity, step: ProvisioningStepEntity, error?: string): Promise<void> {
    step.status = error ? 'failed' : 'succeeded';
    step.finishedAt = new Date();
    step.error = error ? scrubSecrets(error).slice(0, 4000) : null;
    await this.dataSource
      .getRepository(ProvisioningStepEntity)
      .update({ id: step.id }, { status: step.status, finishedAt: step.finishedAt, error: step.error, log: step.log });
    await this.emit(run, step.name, step.status, step.attempts, step.error);
  }

  async runFinished(run: ProvisioningRunEntity, error?: string): Promise<void> {
    run.status = error ? 'failed' : 'succeeded';
    run.finishedAt = new Date();
    run.error = error ? scrubSecrets(error).slice(0, 4000) : null;
    await this.dataSource
      .getRepository(ProvisioningRunEntity)
      .update({ id: run.id }, { status: run.status, finishedAt: run.finishedAt, error: run.error });
    await this.emit(run, null, run.status, run.attempts, run.error);
  }

  private cap(log: string): string {
    return log.length > LOG_CAP ? `…${log.slice(-LOG_CAP)}` : log;
  }

  private emit(
    run: ProvisioningRunEntity,
    step: string | null,
    status: string,
    attempts: number,
    error: string | null,
  ): Promise<void> {
    return this.events.publish({
      workspaceId: run.workspaceId,
      runId: run.id,
      action: run.action,
      step,
      status,
      attempts,
      error,
      at: new Date().toISOString(),
    });
  }
}
