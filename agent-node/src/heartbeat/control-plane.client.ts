import type { KeyObject } from 'node:crypto';
import { requestJson, type HttpResponse } from '../http/http-client';
import {
  CONTROL_PLANE_ROUTES,
  nodeRoutePath,
  signRequest,
  type EnrolRequest,
  type HeartbeatRequest,
} from '@enclave/node-protocol';

export class ControlPlaneError extends Error {
  constructor(
    readonly code: string,
    readonly status?: number,
  ) {
    super(`control plane call failed: ${code}`);
    this.name = 'ControlPlaneError';
  }
}

/** Signed node → control-plane calls (Ed25519, node key; see @enclave/node-protocol). */
export class ControlPlaneClient {
  constructor(
    private readonly baseUrl: string,
    private readonly nodeId: string,
    private readonly privateKey: KeyObject,
    private readonly timeoutMs: number,
  ) {}

  enrol(body: EnrolRequest): Promise<unknown> {
    return this.post(CONTROL_PLANE_ROUTES.enrol.path, body);
  }

  heartbeat(body: HeartbeatRequest): Promise<unknown> {
    return this.post(nodeRoutePath(CONTROL_PLANE_ROUTES.heartbeat.path, { nodeId: this.nodeId }), body);
  }

  private async post(path: string, payload: unknown): Promise<unknown> {
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
    const json = res.json as { error?: { code?: string } } | null;
    if (res.status < 200 || res.status >= 300)
      throw new ControlPlaneError(json?.error?.code ?? `http_${res.status}`, res.status);
    return json;
  }
}
