import { createPrivateKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CONTROL_PLANE_ROUTES,
  enrolRequestSchema,
  generateSigningKeyPair,
  heartbeatRequestSchema,
  InMemoryNonceStore,
  issueNodeSession,
  type NodeSessionRole,
  signRequest,
  verifyRequest,
  type HeartbeatRequest,
} from '@enclave/node-protocol';

/**
 * A minimal control plane for agent-node tests: accepts enrolment (one-time token, key
 * proof-of-possession), verifies signed heartbeats with the enrolled key, and signs
 * requests to the node with its own Ed25519 key — all with @enclave/node-protocol.
 */
export class FakeControlPlane {
  readonly keys = generateSigningKeyPair();
  readonly heartbeats: HeartbeatRequest[] = [];
  readonly rejected: { path: string; reason: string }[] = [];
  readonly nodeKeys = new Map<string, string>();
  available = true;
  private readonly nonces = new InMemoryNonceStore();
  private server: Server | undefined;
  url = '';

  constructor(readonly enrolmentToken = 'enrol-token-0123456789abcdef') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks)).then(
          ({ status, json }) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(json));
          },
        );
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<{ status: number; json: unknown }> {
    if (!this.available) return { status: 503, json: { error: { code: 'unavailable', message: 'down' } } };
    const deny = (reason: string) => {
      this.rejected.push({ path, reason });
      return { status: 401, json: { error: { code: 'bad_signature', message: reason } } };
    };
    if (method === 'POST' && path === CONTROL_PLANE_ROUTES.enrol.path) {
      const parsed = enrolRequestSchema.safeParse(JSON.parse(body.toString('utf8') || '{}'));
      if (!parsed.success)
        return { status: 422, json: { error: { code: 'validation_failed', message: 'bad enrolment' } } };
      if (parsed.data.enrolmentToken !== this.enrolmentToken) return deny('bad enrolment token');
      const v = await verifyRequest({
        method,
        path,
        body,
        headers,
        publicKey: parsed.data.publicKey,
        nonceStore: this.nonces,
      });
      if (!v.ok) return deny(v.reason);
      this.nodeKeys.set(parsed.data.nodeId, parsed.data.publicKey);
      return { status: 201, json: { nodeId: parsed.data.nodeId, enrolledAt: new Date().toISOString() } };
    }
    const m = /^\/v1\/nodes\/([^/]+)\/heartbeats$/.exec(path);
    if (method === 'POST' && m) {
      const key = this.nodeKeys.get(decodeURIComponent(m[1]));
      if (!key) return deny('unknown node');
      const v = await verifyRequest({ method, path, body, headers, publicKey: key, nonceStore: this.nonces });
      if (!v.ok) return deny(v.reason);
      const parsed = heartbeatRequestSchema.safeParse(JSON.parse(body.toString('utf8')));
      if (!parsed.success)
        return {
          status: 422,
          json: { error: { code: 'validation_failed', message: 'bad heartbeat', details: parsed.error.issues } },
        };
      this.heartbeats.push(parsed.data);
      return { status: 200, json: { receivedAt: new Date().toISOString() } };
    }
    return { status: 404, json: { error: { code: 'not_found', message: 'no route' } } };
  }

  /** Signed headers for a request to a node. */
  sign(method: string, path: string, body = ''): Record<string, string> {
    return signRequest({ method, path, body, privateKey: this.keys.privateKeyPem });
  }

  /** Calls a node with a signed request; returns status and parsed JSON body (T: what the test reads of it). */
  /** A node session for the dashboard, as the real control plane issues it. */
  session(
    nodeId: string,
    role: NodeSessionRole = 'member',
    opts: { userId?: string; ttlSeconds?: number; now?: Date } = {},
  ): string {
    return issueNodeSession({
      userId: opts.userId ?? 'user-member',
      workspaceId: 'workspace-under-test',
      nodeId,
      role,
      privateKey: createPrivateKey(this.keys.privateKeyPem),
      ttlSeconds: opts.ttlSeconds,
      now: opts.now,
    }).token;
  }

  async call<T = unknown>(
    nodeUrl: string,
    method: string,
    path: string,
    payload?: unknown,
  ): Promise<{ status: number; body: T; headers: Record<string, string> }> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const headers = { ...this.sign(method, path, body), ...(body ? { 'content-type': 'application/json' } : {}) };
    const res = await fetch(`${nodeUrl}${path}`, { method, headers, body: body || undefined });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: json as T, headers };
  }
}
