import type { KeyObject } from 'node:crypto';
import {
  applyConfigRequestSchema,
  eraseConversationRequestSchema,
  NODE_ROUTES,
  parsePublicKey,
  putSecretRequestSchema,
  requestExportRequestSchema,
  secretKindSchema,
  secretScopeSchema,
  setRetentionRequestSchema,
  setTrustedKeysRequestSchema,
  verifyRequest,
  wipeRequestSchema,
  type ApplyConfigRequest,
  type EraseConversationRequest,
  type HealthResponse,
  type NonceStore,
  type RequestExportResponse,
  type SecretKind,
  type SetTrustedKeysResponse,
  type WipeReceipt,
} from '@enclave/node-protocol';
import { parseJsonBody, type RequestContext, type Route, type RouteResult } from '../http/http-server';
import { NodeError } from '../http/node-error';

/** What the control plane may ask of a node (implemented by NodeApp). */
export interface NodeOperations {
  state(): 'active' | 'suspended' | 'wiped';
  health(detailed: boolean): Promise<HealthResponse>;
  applyConfig(cfg: ApplyConfigRequest): Promise<{ revision: number; appliedAt: string }>;
  putSecret(kind: SecretKind, scope: string, value: string): Promise<void>;
  deleteSecret(kind: SecretKind, scope: string): Promise<boolean>;
  setRetention(days: number): void;
  suspend(): void;
  resume(): void;
  requestExport(ttlSeconds?: number): Promise<RequestExportResponse>;
  eraseConversation(req: EraseConversationRequest): { erased: boolean; messages: number };
  wipe(confirmNodeId: string): Promise<WipeReceipt>;
  setTrustedKeys(publicKeys: readonly KeyObject[], signer: KeyObject): SetTrustedKeysResponse;
}

export interface ControlRouteDeps {
  readonly ops: NodeOperations;
  /** The control-plane keys whose signatures are accepted (two during a key rotation). */
  readonly controlPlaneKeys: () => readonly KeyObject[];
  /** Nonce store; undefined once the node is wiped (only health is served then). */
  readonly nonceStore: () => NonceStore | undefined;
  readonly windowSeconds: number;
}

const CONTROL_BODY_LIMIT = 64 * 1024;

/**
 * Routes for the control plane. Every one is signed (Ed25519, control-plane key) and
 * replay-checked before its body is even parsed; unsigned, stale or replayed requests get
 * 401 and change nothing. After a wipe, everything but health answers 410.
 */
export function controlRoutes(deps: ControlRouteDeps): Route[] {
  const signed =
    (handler: (ctx: RequestContext, signer: KeyObject) => Promise<RouteResult> | RouteResult, allowWhenWiped = false) =>
    async (ctx: RequestContext): Promise<RouteResult> => {
      const wiped = deps.ops.state() === 'wiped';
      if (wiped && !allowWhenWiped) throw new NodeError('node_wiped', 'this node has been wiped');
      const store = deps.nonceStore();
      if (!store) {
        if (!allowWhenWiped) throw new NodeError('node_wiped', 'this node has been wiped');
      }
      const keys = deps.controlPlaneKeys();
      const result = await verifyRequest({
        method: ctx.method,
        path: ctx.rawPath,
        body: ctx.body,
        headers: ctx.req.headers,
        publicKey: keys,
        // After a wipe the nonce table is gone; health is read-only, so a replay there is harmless.
        nonceStore: store ?? { remember: () => true },
        windowSeconds: deps.windowSeconds,
      });
      if (!result.ok) {
        throw new NodeError(
          result.reason === 'replayed_nonce' ? 'replayed_request' : 'bad_signature',
          `request refused: ${result.reason}`,
          { reason: result.reason },
        );
      }
      return handler(ctx, keys[result.keyIndex]);
    };

  const kindParam = (ctx: RequestContext): SecretKind => {
    const r = secretKindSchema.safeParse(ctx.params.kind);
    if (!r.success) throw new NodeError('not_found', 'unknown secret kind', { allowed: secretKindSchema.options });
    return r.data;
  };

  const route = (
    def: { method: string; path: string },
    handler: Parameters<typeof signed>[0],
    allowWhenWiped = false,
  ): Route => ({
    method: def.method,
    path: def.path,
    bodyLimit: CONTROL_BODY_LIMIT,
    handler: signed(handler, allowWhenWiped),
  });

  return [
    // Unsigned liveness probe for provisioning and load balancers: no detail at all.
    {
      method: 'GET',
      path: '/healthz',
      handler: () => ({ status: 200, json: { status: deps.ops.state() === 'wiped' ? 'wiped' : 'ok' } }),
    },
    route(NODE_ROUTES.health, async () => ({ status: 200, json: await deps.ops.health(true) }), true),
    route(NODE_ROUTES.applyConfig, async (ctx) => ({
      status: 200,
      json: await deps.ops.applyConfig(parseJsonBody(ctx, applyConfigRequestSchema)),
    })),
    route(NODE_ROUTES.putSecret, async (ctx) => {
      const kind = kindParam(ctx);
      const body = parseJsonBody(ctx, putSecretRequestSchema);
      await deps.ops.putSecret(kind, body.scope, body.value);
      return { status: 200, json: { kind, scope: body.scope, storedAt: new Date().toISOString() } };
    }),
    route(NODE_ROUTES.deleteSecret, async (ctx) => {
      const kind = kindParam(ctx);
      const scopeParam = ctx.url.searchParams.get('scope') ?? 'default';
      const scope = secretScopeSchema.safeParse(scopeParam);
      if (!scope.success) throw new NodeError('validation_failed', 'invalid scope');
      const deleted = await deps.ops.deleteSecret(kind, scope.data);
      return { status: 200, json: { kind, scope: scope.data, deleted } };
    }),
    route(NODE_ROUTES.setRetention, (ctx) => {
      const body = parseJsonBody(ctx, setRetentionRequestSchema);
      deps.ops.setRetention(body.days);
      return { status: 200, json: { days: body.days } };
    }),
    route(NODE_ROUTES.suspend, () => {
      deps.ops.suspend();
      return { status: 200, json: { state: deps.ops.state() } };
    }),
    route(NODE_ROUTES.resume, () => {
      deps.ops.resume();
      return { status: 200, json: { state: deps.ops.state() } };
    }),
    route(NODE_ROUTES.requestExport, async (ctx) => {
      const body = parseJsonBody(ctx, requestExportRequestSchema);
      return { status: 201, json: await deps.ops.requestExport(body.ttlSeconds) };
    }),
    route(NODE_ROUTES.eraseConversation, (ctx) => {
      const body = parseJsonBody(ctx, eraseConversationRequestSchema);
      return { status: 200, json: deps.ops.eraseConversation(body) };
    }),
    route(NODE_ROUTES.setTrustedKeys, (ctx, signer) => {
      const body = parseJsonBody(ctx, setTrustedKeysRequestSchema);
      const keys = body.publicKeys.map((pem, i) => {
        try {
          return parsePublicKey(pem);
        } catch {
          throw new NodeError('validation_failed', 'publicKeys must be Ed25519 public keys (SPKI PEM)', {
            path: `publicKeys.${i}`,
          });
        }
      });
      return { status: 200, json: deps.ops.setTrustedKeys(keys, signer) };
    }),
    route(NODE_ROUTES.wipe, async (ctx) => {
      const body = parseJsonBody(ctx, wipeRequestSchema);
      return { status: 200, json: await deps.ops.wipe(body.confirmNodeId) };
    }),
  ];
}
