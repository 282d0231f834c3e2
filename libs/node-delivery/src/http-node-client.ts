import { createPrivateKey } from 'node:crypto';
import {
  applyConfigResponseSchema,
  deleteSecretResponseSchema,
  eraseConversationResponseSchema,
  NODE_ROUTES,
  nodeRoutePath,
  putSecretResponseSchema,
  exportJobSchema,
  setRetentionResponseSchema,
  suspendResponseSchema,
  type ApplyConfigRequest,
  type ExportJob,
  type SecretKind,
} from '@enclave/node-protocol';
import { z } from 'zod';
import { NodeCallError } from './node-call-error';
import { callNode, type NodeCaller, type NodeTarget } from './node-transport';

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
  /** Starts an export job on the node, or joins the one already building. */
  requestExport(target: NodeTarget, ttlSeconds: number): Promise<ExportJob>;
  exportStatus(target: NodeTarget, exportId: string): Promise<ExportJob>;
  eraseConversation(target: NodeTarget, conversationId: string): Promise<{ erased: boolean; messages: number }>;
}

export const NODE_GATEWAY = Symbol('NODE_GATEWAY');

/**
 * The signed node client (Ed25519 with the control plane's key, timestamp + nonce) over the
 * one node transport. Failures are NodeCallErrors whose messages never carry the request body
 * (which may hold a secret).
 */
export class HttpNodeClient implements NodeGateway {
  private readonly caller: NodeCaller | null;

  constructor(
    privateKeyPem: string | null,
    timeoutMs: number,
    /** PEM of the CA node origin certificates chain to (Cloudflare Origin CA root, or the sandbox's). */
    originCaPem?: string,
  ) {
    this.caller = privateKeyPem ? { privateKey: createPrivateKey(privateKeyPem), caPem: originCaPem, timeoutMs } : null;
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

  requestExport(target: NodeTarget, ttlSeconds: number): Promise<ExportJob> {
    return this.call(target, 'POST', NODE_ROUTES.requestExport.path, { ttlSeconds }, exportJobSchema);
  }

  exportStatus(target: NodeTarget, exportId: string): Promise<ExportJob> {
    const path = nodeRoutePath(NODE_ROUTES.exportStatus.path, { exportId });
    return this.call(target, 'GET', path, undefined, exportJobSchema);
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
    if (!this.caller) throw new NodeCallError('not_configured', 'NODE_PROTOCOL_SIGNING_KEY_PATH is not set');
    const parsed = z.safeParse(schema, await callNode(this.caller, target, method, path, payload));
    if (!parsed.success) throw new NodeCallError('bad_response', 'the node answered outside the protocol');
    return parsed.data;
  }
}
