import type { KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { verifyNodeSession, type NodeSessionClaims } from '@enclave/node-protocol';
import type { RequestContext, Route, RouteResult } from '../http/http-server';
import { NODE_ERROR, NodeError } from '../http/node-error';

/** The least role a session route needs: members read and reply; admins and owners do the rest. */
export type RequiredRole = 'member' | 'admin';

/** A route the dashboard calls from the browser with a node session (`Authorization: Bearer …`). */
export interface SessionRoute {
  readonly session: RequiredRole;
  readonly signed?: false;
  readonly method: string;
  readonly path: string;
  readonly bodyLimit?: number;
  readonly handler: (ctx: RequestContext, session: NodeSessionClaims) => Promise<RouteResult> | RouteResult;
}

const ROLE_RANK = { member: 0, admin: 1, owner: 2 } as const;
const ALLOWED_HEADERS = 'authorization, content-type, last-event-id';
const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
/** Browsers cache a preflight this long (seconds), so a busy inbox does not double its requests. */
const PREFLIGHT_MAX_AGE = '600';

/**
 * Guards session routes: the browser's Origin must be the dashboard's (CORS answers only it;
 * the node never sets a cookie), the bearer token must be a node session signed by a trusted
 * control-plane key for this node and not expired, and its role must suffice. Refusals are
 * 401 (no or bad token) or 403 (origin or role); nothing changes before the checks pass.
 */
export class NodeSessionAuth {
  constructor(
    private readonly trustedKeys: () => readonly KeyObject[],
    private readonly nodeId: string,
    /** The dashboard's origin as the control plane last configured it; undefined before. */
    private readonly dashboardOrigin: () => string | undefined,
  ) {}

  protect(route: SessionRoute): Route {
    return {
      method: route.method,
      path: route.path,
      guard: route.session,
      bodyLimit: route.bodyLimit,
      handler: (ctx) => {
        this.allowOrigin(ctx);
        return route.handler(ctx, this.authenticate(ctx, route.session));
      },
    };
  }

  /** One CORS preflight route per distinct path of `routes`. */
  preflights(routes: readonly SessionRoute[]): Route[] {
    return [...new Set(routes.map((r) => r.path))].map((path) => ({
      method: 'OPTIONS',
      path,
      guard: 'preflight',
      handler: (ctx): RouteResult => {
        this.allowOrigin(ctx);
        ctx.res.writeHead(204, {
          'access-control-allow-methods': ALLOWED_METHODS,
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': PREFLIGHT_MAX_AGE,
        });
        ctx.res.end();
        return { handled: true };
      },
    }));
  }

  /** Requests without an Origin (not from a browser) pass: the token is what authorizes. */
  private allowOrigin(ctx: RequestContext): void {
    const origin = ctx.req.headers.origin;
    if (origin === undefined) return;
    if (origin !== this.dashboardOrigin()) {
      throw new NodeError(NODE_ERROR.forbidden, 'this origin may not call the node', { origin });
    }
    setCorsHeaders(ctx.res, origin);
  }

  private authenticate(ctx: RequestContext, required: RequiredRole): NodeSessionClaims {
    const header = ctx.req.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9._-]{1,2048})$/.exec(header);
    if (!match) throw new NodeError(NODE_ERROR.unauthorized, 'a node session is required (Authorization: Bearer)');
    const result = verifyNodeSession({ token: match[1], publicKeys: this.trustedKeys(), nodeId: this.nodeId });
    if (!result.ok) {
      throw new NodeError(NODE_ERROR.unauthorized, `node session refused: ${result.reason}`, { reason: result.reason });
    }
    if (ROLE_RANK[result.claims.role] < ROLE_RANK[required]) {
      throw new NodeError(NODE_ERROR.forbidden, `this needs the ${required} role or higher`, {
        role: result.claims.role,
      });
    }
    return result.claims;
  }
}

function setCorsHeaders(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'retry-after');
}
