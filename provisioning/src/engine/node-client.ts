import { type KeyObject } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import {
  healthResponseSchema,
  NODE_ROUTES,
  setTrustedKeysResponseSchema,
  signRequest,
  wipeReceiptSchema,
  type HealthResponse,
  type SetTrustedKeysResponse,
  type WipeReceipt,
} from '@enclave/node-protocol';

export interface NodeEndpoint {
  /** Where the node's HTTPS endpoint is reached directly (the host's address and public port). */
  readonly address: string;
  readonly port: number;
  /** The node's DNS name: TLS server name, checked against its origin certificate. */
  readonly hostname: string;
}

export class NodeCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    /** The node's error details (e.g. the config revision it holds). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'NodeCallError';
  }
}

/**
 * Signed control plane → node calls (Ed25519, the control plane's key), made directly to the
 * host over HTTPS. The node's origin certificate is verified against the Origin CA root (the
 * Cloudflare proxy is not in this path; it would only see the same signed request anyway).
 */
export class NodeClient {
  constructor(
    private readonly privateKey: KeyObject,
    /** PEM of the CA that issued node certificates (Cloudflare Origin CA root, or the sandbox's). */
    private readonly caPem: string | undefined,
    private readonly timeoutMs = 15_000,
  ) {}

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
    return callNodeOrigin(
      { endpoint, privateKey: this.privateKey, caPem: this.caPem, timeoutMs: this.timeoutMs },
      method,
      path,
      payload,
    );
  }
}

export interface NodeOriginCall {
  readonly endpoint: NodeEndpoint;
  readonly privateKey: KeyObject;
  readonly caPem: string | undefined;
  readonly timeoutMs: number;
}

/**
 * One signed request to a node's origin: HTTPS to the host's address and public port, the
 * node's DNS name as TLS server name, its certificate checked against the Origin CA root.
 * Rejects with NodeCallError (the node's error code, `timeout` or `unreachable`); messages
 * never carry the request body, which may hold a secret.
 */
export function callNodeOrigin(
  call: NodeOriginCall,
  method: string,
  path: string,
  payload?: unknown,
): Promise<unknown> {
  const { endpoint, timeoutMs } = call;
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const headers: Record<string, string> = {
    ...signRequest({ method, path, body, privateKey: call.privateKey }),
    accept: 'application/json',
  };
  if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: endpoint.address,
        port: endpoint.port,
        method,
        path,
        headers: { ...headers, host: endpoint.hostname },
        servername: endpoint.hostname,
        ...(call.caPem ? { ca: call.caPem } : {}),
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk.length + text.length > 1_000_000 ? '' : chunk));
        res.on('end', () => {
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = null;
          }
          if ((res.statusCode ?? 500) >= 400) {
            const error = (json as { error?: { code?: string; details?: unknown } } | null)?.error;
            const code = error?.code ?? `http_${res.statusCode}`;
            return reject(
              new NodeCallError(code, `node answered ${res.statusCode} (${code})`, res.statusCode, error?.details),
            );
          }
          resolve(json);
        });
      },
    );
    req.on('timeout', () => req.destroy(new NodeCallError('timeout', `node did not answer within ${timeoutMs} ms`)));
    req.on('error', (error) =>
      reject(
        error instanceof NodeCallError ? error : new NodeCallError('unreachable', `node unreachable: ${error.message}`),
      ),
    );
    req.end(body);
  });
}
