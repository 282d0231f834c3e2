import { Injectable } from '@nestjs/common';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Waits for a heartbeat since enrolment and a signed HTTPS health check through the node's origin. */
@Injectable()
export class HealthyStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const nodeId = ctx.requireNode().id;
    const endpoint = this.runtime.nodeEndpoint(ctx.requireHost(), ctx.workspace.slug);
    const client = this.runtime.nodeClient();
    // Why the last probe failed, for the timeout's message.
    let lastProblem = '';
    await ctx
      .waitFor(
        'a healthy heartbeat and a signed health check',
        this.runtime.config.PROVISIONING_WAIT_TIMEOUT_MS,
        async () => {
          const node = await this.allocations.reloadNode(nodeId);
          if (
            !node.lastHeartbeatAt ||
            !node.enrolledAt ||
            node.lastHeartbeatAt < node.enrolledAt ||
            node.reportedState !== 'active'
          ) {
            lastProblem = 'no heartbeat since enrolment yet';
            return undefined;
          }
          try {
            const health = await client.health(endpoint);
            if (
              health.nodeId !== node.id ||
              !health.enrolled ||
              health.state !== 'active' ||
              health.checks?.database.ok === false
            ) {
              lastProblem = `node health: ${JSON.stringify({ nodeId: health.nodeId, enrolled: health.enrolled, state: health.state })}`;
              return undefined;
            }
            ctx.log(
              `signed health check over HTTPS (${endpoint.hostname} at ${endpoint.address}:${endpoint.port}): ${health.state}, version ${health.version}; last heartbeat ${node.lastHeartbeatAt.toISOString()}`,
            );
            return true;
          } catch (error) {
            lastProblem = (error as Error).message;
            return undefined;
          }
        },
      )
      .catch((error: Error) => {
        throw new Error(`${error.message} (${lastProblem})`);
      });
  }
}
