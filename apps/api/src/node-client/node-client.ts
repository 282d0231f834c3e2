import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
  applyConfigResponseSchema,
  deleteSecretResponseSchema,
  eraseConversationResponseSchema,
  NODE_ROUTES,
  nodeRoutePath,
  putSecretResponseSchema,
  requestExportResponseSchema,
  setRetentionResponseSchema,
  signRequest,
  suspendResponseSchema,
  type ApplyConfigRequest,
  type RequestExportResponse,
  type SecretKind,
} from '@enclave/node-protocol';
import { callNodeOrigin, NodeCallError as OriginCallError } from '@enclave/provisioning';
import { z } from 'zod';

/**
 * Where a workspace's node is reached: its id (protocol) and public base URL. Nodes on hosts
 * we provisioned also have an origin (host address + public port): they are called there
 * directly over HTTPS, the URL's hostname as TLS server name, verified against the Origin CA.
 */
export interface NodeTarget {
  readonly nodeId: string;
  readonly baseUrl: string;
  readonly origin?: { readonly address: string; readonly port: number };
}

/** Why a node call failed: the node's error code (e.g. `stale_config`), `unreachable`, `timeout`, `not_configured`. */
export class NodeCallError extends Error {
  constructor(
    readonly code: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(`node call failed: ${code}${status ? ` (${status})` : ''}`);
    this.name = 'NodeCallError';
  }
}

/**
 * Everything the control plane asks of an agent node (signed node protocol). Services get it
 * injected by this token, so their unit tests replace it without a network.
 */
export interface NodeGateway {
  applyConfig(target: NodeTarget, config: ApplyConfigRequest): Promise<{ revision: number; appliedAt: string }>;
  putSecret(target: NodeTarget, kind: SecretKind, scope: string, value: string): Promise<void>;
  deleteSecret(target: NodeTarget, kind: SecretKind, scope: string): Promise<boolean>;
  setRetention(target: NodeTarget, days: number): Promise<void>;
  suspend(target: NodeTarget): Promise<void>;
  resume(target: NodeTarget): Promise<void>;
  requestExport(target: NodeTarget, ttlSeconds: number): Promise<RequestExportResponse>;
  eraseConversation(target: NodeTarget, conversationId: string): Promise<{ erased: boolean; messages: number }>;
}

export const NODE_GATEWAY = Symbol('NODE_GATEWAY');

/**
 * The signed HTTP client (Ed25519 with the control plane's key, timestamp + nonce). Error
 * messages carry codes only: a request body (which may hold a secret) is never put in one.
 */
export class HttpNodeClient implements NodeGateway {
  private readonly key: KeyObject | null;

  constructor(
    privateKeyPem: string | null,
    private readonly timeoutMs: number,
    /** PEM of the CA node origin certificates chain to (Cloudflare Origin CA root, or the sandbox's). */
    private readonly originCaPem?: string,
  ) {
    this.key = privateKeyPem ? createPrivateKey(privateKeyPem) : null;
  }

  async applyConfig(target: NodeTarget, config: ApplyConfigRequest) {
    return this.call(
      target,
      NODE_ROUTES.applyConfig.method,
      NODE_ROUTES.applyConfig.path,
      config,
      applyConfigResponseSchema,
    );
  }

  async putSecret(target: NodeTarget, kind: SecretKind, scope: string, value: string): Promise<void> {
    await this.call(
      target,
      'PUT',
      nodeRoutePath(NODE_ROUTES.putSecret.path, { kind }),
      { value, scope },
      putSecretResponseSchema,
    );
  }

  async deleteSecret(target: NodeTarget, kind: SecretKind, scope: string): Promise<boolean> {
    const path = `${nodeRoutePath(NODE_ROUTES.deleteSecret.path, { kind })}?scope=${encodeURIComponent(scope)}`;
    return (await this.call(target, 'DELETE', path, undefined, deleteSecretResponseSchema)).deleted;
  }

  async setRetention(target: NodeTarget, days: number): Promise<void> {
    await this.call(target, 'PUT', NODE_ROUTES.setRetention.path, { days }, setRetentionResponseSchema);
  }

  async suspend(target: NodeTarget): Promise<void> {
    await this.call(target, 'POST', NODE_ROUTES.suspend.path, undefined, suspendResponseSchema);
  }

  async resume(target: NodeTarget): Promise<void> {
    await this.call(target, 'POST', NODE_ROUTES.resume.path, undefined, suspendResponseSchema);
  }

  requestExport(target: NodeTarget, ttlSeconds: number): Promise<RequestExportResponse> {
    return this.call(target, 'POST', NODE_ROUTES.requestExport.path, { ttlSeconds }, requestExportResponseSchema);
  }

  eraseConversation(target: NodeTarget, conversationId: string) {
    return this.call(
      target,
      'POST',
      NODE_ROUTES.eraseConversation.path,
      { conversationId },
      eraseConversationResponseSchema,
    );
  }

  private async call<S extends z.core.$ZodType>(
    target: NodeTarget,
    method: string,
    path: string,
    payload: unknown,
    schema: S,
  ): Promise<z.infer<S>> {
    if (!this.key) throw new NodeCallError('not_configured');
    const url = new URL(path.replace(/^\//, ''), `${target.baseUrl.replace(/\/+$/, '')}/`);
    const json = target.origin
      ? await this.callOrigin(this.key, target.origin, url, method, payload)
      : await this.callUrl(this.key, url, method, payload);
    const parsed = z.safeParse(schema, json);
    if (!parsed.success) throw new NodeCallError('bad_response');
    return parsed.data;
  }

  private async callOrigin(
    key: KeyObject,
    origin: NonNullable<NodeTarget['origin']>,
    url: URL,
    method: string,
    payload: unknown,
  ): Promise<unknown> {
    const endpoint = { address: origin.address, port: origin.port, hostname: url.hostname };
    try {
      return await callNodeOrigin(
        { endpoint, privateKey: key, caPem: this.originCaPem, timeoutMs: this.timeoutMs },
        method,
        `${url.pathname}${url.search}`,
        payload,
      );
    } catch (error) {
      if (error instanceof OriginCallError) throw new NodeCallError(error.code, error.status, error.details);
      throw error;
    }
  }

  private async callUrl(key: KeyObject, url: URL, method: string, payload: unknown): Promise<unknown> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const signedPath = `${url.pathname}${url.search}`;
    const headers: Record<string, string> = {
      ...signRequest({ method, path: signedPath, body, privateKey: key }),
      accept: 'application/json',
    };
    if (body) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body || undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new NodeCallError((error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable');
    }
    const json = (await response.json().catch(() => null)) as { error?: { code?: string; details?: unknown } } | null;
    if (!response.ok)
      throw new NodeCallError(json?.error?.code ?? `http_${response.status}`, response.status, json?.error?.details);
    return json;
  }
}
