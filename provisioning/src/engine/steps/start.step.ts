import { Injectable } from '@nestjs/common';
import { nodectl, waitNodeLocallyHealthy } from '../../host/node-host';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

const LOCAL_HEALTH_TIMEOUT_MS = 60_000;

/** Starts the node and waits until it answers its local health probe on the host. */
@Injectable()
export class StartStep implements ProvisioningStep {
  async run(ctx: StepContext): Promise<void> {
    const host = ctx.requireHost();
    const session = await ctx.ssh();
    // Not enrolled yet: restart so a running node picks up the config (and token) just written.
    await nodectl(session, host.installRoot, ctx.requireNode().enrolledAt ? 'start' : 'restart');
    ctx.log(
      `waiting on the host for the node to answer its local health check (up to ${LOCAL_HEALTH_TIMEOUT_MS / 1000} s)`,
    );
    await waitNodeLocallyHealthy(session, host.installRoot, host.nodePort, LOCAL_HEALTH_TIMEOUT_MS);
  }
}
