import { Injectable } from '@nestjs/common';
import { HostKeyMismatchError } from '../../ssh/ssh-executor';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

const ATTEMPTS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the host (a new VPS may still be installing), then connects over SSH. A few quick
 * tries absorb an sshd that is just starting; a host key that is not the pinned one ends the run.
 */
@Injectable()
export class SshReadyStep implements ProvisioningStep {
  constructor(private readonly runtime: ProvisioningRuntime) {}

  async run(ctx: StepContext): Promise<void> {
    const current = ctx.requireHost();
    const host = await this.runtime.provider(current.provider).waitUntilReady(current, (line) => ctx.log(line));
    ctx.host = host;
    let lastError: unknown;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const who = await (await ctx.ssh()).exec('uname -srm && id -un');
        ctx.log(
          `connected to ${host.address}:${host.sshPort}, host key ${host.hostKeyFingerprint} verified (${who.stdout.trim().replace(/\n/g, ', ')})`,
        );
        return;
      } catch (error) {
        if (error instanceof HostKeyMismatchError) throw error;
        lastError = error;
        ctx.log(`ssh attempt ${attempt} failed: ${(error as Error).message}`);
        if (attempt < ATTEMPTS) await sleep(1_000);
      }
    }
    throw lastError;
  }
}
