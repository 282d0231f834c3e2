import { type KeyObject } from 'node:crypto';
import {
  healthResponseSchema,
  NODE_ROUTES,
  setTrustedKeysResponseSchema,
  wipeReceiptSchema,
  type HealthResponse,
  type SetTrustedKeysResponse,
  type WipeReceipt,
} from '@enclave/node-protocol';
import { callNodeOrigin, type NodeCaller, type NodeEndpoint } from './node-transport';

/**
 * What provisioning asks of a node it runs (health, wipe, trusted keys): always at the node's
 * origin, since the engine knows the host before the node has enrolled.
 */
export class NodeLifecycleClient {
  private readonly caller: NodeCaller;

  constructor(privateKey: KeyObject, caPem: string | undefined, timeoutMs = 15_000) {
    this.caller = { privateKey, caPem, timeoutMs };
  }

  async health(endpoint: NodeEndpoint): Promise<HealthResponse> {
    return healthResponseSchema.parse(await this.call(endpoint, NODE_ROUTES.health.method, NODE_ROUTES.health.path));
  }

  async wipe(endpoint: NodeEndpoint, nodeId: string): Promise<WipeReceipt> {
    return wipeReceiptSchema.parse(
      await this.call(endpoint, NODE_ROUTES.wipe.method, NODE_ROUTES.wipe.path, { confirmNodeId: nodeId }),
    );
  }

  /** Replaces the control-plane keys the node trusts (SPKI PEMs; must include the signing key). */
  async setTrustedKeys(endpoint: NodeEndpoint, publicKeys: readonly string[]): Promise<SetTrustedKeysResponse> {
    return setTrustedKeysResponseSchema.parse(
      await this.call(endpoint, NODE_ROUTES.setTrustedKeys.method, NODE_ROUTES.setTrustedKeys.path, { publicKeys }),
    );
  }

  private call(endpoint: NodeEndpoint, method: string, path: string, payload?: unknown): Promise<unknown> {
    return callNodeOrigin(this.caller, endpoint, method, path, payload);
  }
}
