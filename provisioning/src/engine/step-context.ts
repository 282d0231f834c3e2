import { Logger } from '@nestjs/common';
import type {
  HostEntity,
  NodeEntity,
  ProvisioningRunEntity,
  ProvisioningStepEntity,
  WorkspaceEntity,
} from '@enclave/persistence';
import type { CommandRecord, SshSession } from '../ssh/ssh-executor';
import type { ProvisioningRuntime } from './provisioning-runtime';
import type { RunStore } from './run-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describe(record: CommandRecord): string {
  const out = [record.stdout.trim(), record.stderr.trim()].filter(Boolean).join('\n');
  return `$ ${record.command}\n[exit ${record.exitCode ?? 'none'} in ${record.ms} ms]${out ? `\n${out}` : ''}`;
}

/**
 * What one attempt of a run knows while its steps execute: the workspace, the host and node
 * rows the steps find or create, one SSH session opened on first use, and the step log.
 */
export class StepContext {
  host?: HostEntity;
  node?: NodeEntity;
  private session?: SshSession;
  private step?: ProvisioningStepEntity;
  private logChain: Promise<void> = Promise.resolve();
  private readonly logger = new Logger('ProvisioningEngine');

  constructor(
    readonly workspace: WorkspaceEntity,
    readonly run: ProvisioningRunEntity,
    private readonly store: RunStore,
    private readonly runtime: ProvisioningRuntime,
  ) {}

  requireHost(): HostEntity {
    if (!this.host) throw new Error('no host is allocated to this workspace');
    return this.host;
  }

  requireNode(): NodeEntity {
    if (!this.node) throw new Error('no node record for this workspace');
    return this.node;
  }

  /** One SSH connection per attempt, opened on first use, host key checked against the pin. */
  async ssh(): Promise<SshSession> {
    this.session ??= await this.runtime.openSsh(this.requireHost(), (record) => this.log(describe(record)));
    return this.session;
  }

  /** Appends a line to the current step's log; lines are written in order, without holding the step up. */
  log(text: string): void {
    const step = this.step;
    if (!step) return;
    this.logChain = this.logChain
      .then(() => this.store.log(step, text))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'step log not written'));
  }

  /** Polls `probe` every 500 ms until it returns a value, or fails after `timeoutMs`. */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    this.log(`waiting for ${what} (up to ${Math.round(timeoutMs / 1000)} s)`);
    // Short first intervals (what is awaited is usually a moment away), growing to 500 ms.
    for (let interval = 50; ; interval = Math.min(500, Math.round(interval * 1.5))) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(interval);
    }
  }

  /** Runs `body` with its log lines going to `step`; returns (or throws) once they are written. */
  async within(step: ProvisioningStepEntity, body: () => Promise<void>): Promise<void> {
    this.step = step;
    try {
      await body();
      await this.logChain;
    } catch (error) {
      await this.logChain.catch(() => undefined);
      throw error;
    } finally {
      this.step = undefined;
    }
  }

  async close(): Promise<void> {
    await this.session?.close();
  }
}
