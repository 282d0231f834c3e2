import {
  NODE_PROTOCOL_VERSION,
  NODE_ROUTES,
  type HealthChecks,
  type HealthResponse,
  type NodeState,
} from '@enclave/node-protocol';
import type { OpenRoute } from '../capability';
import type { SignedRoute } from './control-plane-auth';

/** What GET /v1/health and every heartbeat say about the node as a whole. */
export interface NodeStatus {
  readonly nodeId: string;
  readonly version: string;
  state(): NodeState;
  uptimeSeconds(): number;
  enrolled(): boolean;
  configRevision(): number | null;
  /** Absent once the node is wiped: nothing is left to check. */
  checks?(): Promise<HealthChecks>;
}

async function healthOf(status: NodeStatus): Promise<HealthResponse> {
  const base: HealthResponse = {
    protocolVersion: NODE_PROTOCOL_VERSION,
    nodeId: status.nodeId,
    version: status.version,
    state: status.state(),
    uptimeSeconds: status.uptimeSeconds(),
    enrolled: status.enrolled(),
    configRevision: status.configRevision(),
  };
  return status.checks ? { ...base, checks: await status.checks() } : base;
}

/** Liveness (open, no detail) and health (signed, with checks); both still answer after a wipe. */
export function healthRoutes(status: () => NodeStatus): (OpenRoute | SignedRoute)[] {
  return [
    // Unsigned liveness probe for provisioning and load balancers: no detail at all.
    {
      method: 'GET',
      path: '/healthz',
      handler: () => ({ status: 200, json: { status: status().state() === 'wiped' ? 'wiped' : 'ok' } }),
    },
    { signed: true, ...NODE_ROUTES.health, handler: async () => ({ status: 200, json: await healthOf(status()) }) },
  ];
}
