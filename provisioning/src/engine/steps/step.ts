import type { StepContext } from '../step-context';

/**
 * One step of a run. `run` must be idempotent: after a crash anywhere in it, the next attempt
 * runs it again from the start against whatever the last attempt left behind.
 */
export interface ProvisioningStep {
  run(ctx: StepContext): Promise<void>;
}

/** A run's steps in order: `names` are persisted with the run, `steps` run them. */
export interface StepTable<Name extends string> {
  readonly names: readonly Name[];
  readonly steps: Readonly<Record<Name, ProvisioningStep>>;
}
