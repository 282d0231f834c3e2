import { type KeyObject } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { signRequest } from '@enclave/node-protocol';
import { NodeCallError } from './node-call-error';

/** Where a node's HTTPS endpoint is reached directly: the host's address and public port. */
export interface NodeEndpoint {
  readonly address: string;
  readonly port: number;
  /** The node's DNS name: TLS server name, checked against its origin certificate. */
  readonly hostname: string;
}

/**
 * Where a workspace's node is reached: its id (protocol) and public base URL. Nodes on hosts
 * we provisioned also have an origin (host address + public port): they are called there
 * directly, the URL's hostname as TLS server name; the others through the edge at the URL.
 */
export interface NodeTarget {
  readonly nodeId: string;
  readonly baseUrl: string;
  readonly origin?: { readonly address: string; readonly port: number };
}

/** The control plane's side of every node call. */
export interface NodeCaller {
  /** The control plane's Ed25519 key: every request is signed (timestamp + nonce). */
  readonly privateKey: KeyObject;
  /** PEM of the CA node origin certificates chain to (Cloudflare Origin CA root, or the sandbox's). */
  readonly caPem: string | undefined;
  readonly timeoutMs: number;
}

type NodeErrorBody = { error?: { code?: string; details?: unknown } } | null;

function signedRequest(caller: NodeCaller, method: string, path: string, payload: unknown) {
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const headers: Record<string, string> = {
    ...signRequest({ method, path, body, privateKey: caller.privateKey }),
    accept: 'application/json',
  };
  if (body) headers['content-type'] = 'application/json';
  return { body, headers };
}

function answeredError(status: number, json: unknown): NodeCallError {
  const error = (json as NodeErrorBody)?.error;
  const code = error?.code ?? `http_${status}`;
  return new NodeCallError(code, `node answered ${status} (${code})`, status, error?.details);
}

/**
 * One signed request to a node: at its origin when its host is ours, otherwise through the
 * edge (Cloudflare's proxy, the sandbox in development) at its public URL. Resolves with the
 * node's JSON answer; rejects with NodeCallError.
 */
export function callNode(
  caller: NodeCaller,
  target: NodeTarget,
  method: string,
  path: string,
  payload?: unknown,
): Promise<unknown> {
  const url = new URL(path.replace(/^\//, ''), `${target.baseUrl.replace(/\/+$/, '')}/`);
  const signedPath = `${url.pathname}${url.search}`;
  return target.origin
    ? callNodeOrigin(caller, { ...target.origin, hostname: url.hostname }, method, signedPath, payload)
    : callNodeEdge(caller, url, method, payload);
}

/**
 * A signed request to a node's origin: HTTPS to the host's address and public port, the
 * node's DNS name as TLS server name, its certificate checked against the Origin CA root (the
 * Cloudflare proxy is not in this path; it would only see the same signed request anyway).
 */
export function callNodeOrigin(
  caller: NodeCaller,
  endpoint: NodeEndpoint,
  method: string,
  path: string,
  payload?: unknown,
): Promise<unknown> {
  const { body, headers } = signedRequest(caller, method, path, payload);
  if (body) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: endpoint.address,
        port: endpoint.port,
        method,
        path,
        headers: { ...headers, host: endpoint.hostname },
        servername: endpoint.hostname,
        ...(caller.caPem ? { ca: caller.caPem } : {}),
        timeout: caller.timeoutMs,
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
          if ((res.statusCode ?? 500) >= 400) return reject(answeredError(res.statusCode ?? 500, json));
          resolve(json);
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new NodeCallError('timeout', `node did not answer within ${caller.timeoutMs} ms`)),
    );
    req.on('error', (error) =>
      reject(
        error instanceof NodeCallError ? error : new NodeCallError('unreachable', `node unreachable: ${error.message}`),
      ),
    );
    req.end(body);
  });
}

/** A signed request through the edge, to the node's public URL. */
async function callNodeEdge(caller: NodeCaller, url: URL, method: string, payload: unknown): Promise<unknown> {
  const { body, headers } = signedRequest(caller, method, `${url.pathname}${url.search}`, payload);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body || undefined,
      signal: AbortSignal.timeout(caller.timeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError')
      throw new NodeCallError('timeout', `node did not answer within ${caller.timeoutMs} ms`);
    throw new NodeCallError('unreachable', `node unreachable: ${(error as Error).message}`);
  }
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) throw answeredError(response.status, json);
  return json;
}
