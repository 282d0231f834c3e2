import { NODE_PROTOCOL_VERSION, type HealthChecks, type HeartbeatRequest } from '@enclave/node-protocol';
import { collectHeartbeat, type Capability, type HeartbeatReport } from '../capability';
import type { NodeStatus } from '../control/health';
import type { NodeLogger } from '../logging/logger';
import type { CountersRepository } from '../storage/counters.repository';
import { ControlPlaneError, type ControlPlaneClient } from './control-plane.client';
import type { Enrolment } from './enrolment';

export interface HeartbeatDeps {
  /** Identity, state and checks of the running node. */
  readonly status: Required<NodeStatus>;
  readonly enrolment: Pick<Enrolment, 'enrol'>;
  readonly client: Pick<ControlPlaneClient, 'heartbeat'>;
  /** Each capability reports its part of the beat. */
  readonly capabilities: readonly Capability[];
  readonly counters: Pick<CountersRepository, 'snapshot' | 'since' | 'acknowledge'>;
  readonly logger: NodeLogger;
}

/**
 * Enrolment (once) and the periodic signed heartbeat. Counters live in SQLite and are only
 * decremented by what an acknowledged beat reported, so an unreachable control plane loses
 * nothing: the next beat carries the sum. Never text, names or end-user ids.
 */
export class HeartbeatService {
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(
    private readonly deps: HeartbeatDeps,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = () => {
      void this.beat().finally(() => {
        if (this.timer !== undefined) {
          this.timer = setTimeout(tick, this.intervalMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One beat: enrol if needed, send, and on acknowledgement subtract what was reported. */
  async beat(): Promise<boolean> {
    const { status, enrolment, client, capabilities, counters, logger } = this.deps;
    if (this.beating || status.state() === 'wiped') return false;
    this.beating = true;
    try {
      const snapshot = counters.snapshot();
      const report = await collectHeartbeat(capabilities, snapshot);
      if (!(await enrolment.enrol())) return false;
      const body = this.body(report, await status.checks());
      try {
        await client.heartbeat(body);
      } catch (err) {
        logger.warn(
          { code: err instanceof ControlPlaneError ? err.code : 'unknown_error' },
          'heartbeat not delivered; counters kept for the next beat',
        );
        return false;
      }
      counters.acknowledge(snapshot, body.sentAt);
      for (const c of capabilities) c.acknowledged?.(report);
      return true;
    } finally {
      this.beating = false;
    }
  }

  private body(report: HeartbeatReport, checks: HealthChecks): HeartbeatRequest {
    const { status, counters } = this.deps;
    return {
      protocolVersion: NODE_PROTOCOL_VERSION,
      nodeId: status.nodeId,
      version: status.version,
      state: status.state(),
      sentAt: new Date().toISOString(),
      uptimeSeconds: status.uptimeSeconds(),
      configRevision: status.configRevision(),
      checks,
      ...report,
      counters: { since: counters.since(), ...report.counters },
    };
  }
}
