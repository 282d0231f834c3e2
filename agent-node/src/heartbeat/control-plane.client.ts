import type { KeyObject } from 'node:crypto';
import {
  CONTROL_PLANE_ROUTES,
  enrolResponseSchema,
  heartbeatResponseSchema,
  nodeRoutePath,
  signRequest,
  type EnrolRequest,
  type EnrolResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
} from '@enclave/node-protocol';
import type * as z from 'zod/mini';
import { requestJson, type HttpResponse } from '../http/http-client';

export class ControlPlaneError extends Error {
  constructor(
    readonly code: string,
    readonly status?: number,
  ) {
    super(`control plane call failed: ${code}`);
    this.name = 'ControlPlaneError';
  }
}

/**
 * Signed node → control-plane calls (Ed25519, node key; see @enclave/node-protocol). A reply
 * counts only when it has the protocol's shape: a proxy answering 2xx with something else
 * must not make the node believe it enrolled, or drop counters it never delivered.
 */
export class ControlPlaneClient {
  constructor(
    private readonly baseUrl: string,
    private readonly nodeId: string,
    private readonly privateKey: KeyObject,
    private readonly timeoutMs: number,
  ) {}

  async enrol(body: EnrolRequest): Promise<EnrolResponse> {
    const reply = await this.post(CONTROL_PLANE_ROUTES.enrol.path, body, enrolResponseSchema);
    if (reply.nodeId !== this.nodeId) throw new ControlPlaneError('enrolled_other_node');
    return reply;
  }

  heartbeat(body: HeartbeatRequest): Promise<HeartbeatResponse> {
    const path = nodeRoutePath(CONTROL_PLANE_ROUTES.heartbeat.path, { nodeId: this.nodeId });
    return this.post(path, body, heartbeatResponseSchema);
  }

  private async post<S extends z.ZodMiniType>(path: string, payload: unknown, reply: S): Promise<z.infer<S>> {
    const url = new URL(path.replace(/^\//, ''), `${this.baseUrl}/`);
    const body = JSON.stringify(payload);
    const headers = signRequest({
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      body,
      privateKey: this.privateKey,
      nodeId: this.nodeId,
    });
    let res: HttpResponse;
    try {
      res = await requestJson({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        timeoutMs: this.timeoutMs,
      });
    } catch {
      throw new ControlPlaneError('unreachable');
    }
    if (res.status < 200 || res.status >= 300) {
      const json = res.json as { error?: { code?: string } } | null;
      throw new ControlPlaneError(json?.error?.code ?? `http_${res.status}`, res.status);
    }
    const parsed = reply.safeParse(res.json);
    if (!parsed.success) throw new ControlPlaneError('unexpected_reply', res.status);
    return parsed.data;
  }
}
