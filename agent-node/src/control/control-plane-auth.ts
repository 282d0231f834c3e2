import type { KeyObject } from 'node:crypto';
import { verifyRequest, type NonceStore } from '@enclave/node-protocol';
import type { OpenRoute } from '../capability';
import type { RequestContext, Route, RouteResult } from '../http/http-server';
import { NODE_ERROR, NodeError } from '../http/node-error';

/** A route only the control plane may call; the handler learns which trusted key signed. */
export interface SignedRoute {
  readonly signed: true;
  readonly session?: undefined;
  readonly method: string;
  readonly path: string;
  readonly handler: (ctx: RequestContext, signer: KeyObject) => Promise<RouteResult> | RouteResult;
}

const CONTROL_BODY_LIMIT = 64 * 1024;

/**
 * Guards signed routes: every request is checked (Ed25519 signature by a trusted control-plane
 * key, time window) before its body is even parsed, and only then is its nonce stored. Unsigned,
 * stale or forged requests get 401 `bad_signature`, replays 401 `replayed_request`; nothing changes.
 */
export class ControlPlaneAuth {
  constructor(
    /** The control-plane keys whose signatures are accepted (two during a key rotation). */
    private readonly trustedKeys: () => readonly KeyObject[],
    private readonly nonces: NonceStore,
    private readonly windowSeconds: number,
  ) {}

  /** `route` as the server serves it: signed routes behind the check, open ones unchanged. */
  protect(route: OpenRoute | SignedRoute): Route {
    if (!route.signed) return route;
    return {
      method: route.method,
      path: route.path,
      guard: 'signed',
      bodyLimit: CONTROL_BODY_LIMIT,
      handler: async (ctx) => route.handler(ctx, await this.verify(ctx)),
    };
  }

  private async verify(ctx: RequestContext): Promise<KeyObject> {
    const keys = this.trustedKeys();
    const result = await verifyRequest({
      method: ctx.method,
      path: ctx.rawPath,
      body: ctx.body,
      headers: ctx.req.headers,
      publicKey: keys,
      nonceStore: this.nonces,
      windowSeconds: this.windowSeconds,
    });
    if (!result.ok) {
      throw new NodeError(
        result.reason === 'replayed_nonce' ? NODE_ERROR.replayedRequest : NODE_ERROR.badSignature,
        `request refused: ${result.reason}`,
        { reason: result.reason },
      );
    }
    return keys[result.keyIndex];
  }
}
