import type { CapabilityRoute } from '../capability';
import type { ControlPlaneAuth } from '../control/control-plane-auth';
import type { NodeSessionAuth, SessionRoute } from '../sessions/node-session-auth';
import type { Route } from './http-server';

/** Puts each capability route behind its guard: control-plane signature, node session, or none. */
export class RouteGuards {
  constructor(
    private readonly controlPlane: ControlPlaneAuth,
    private readonly sessions: NodeSessionAuth,
  ) {}

  /** Every route as served, plus the CORS preflights of the session routes. */
  serve(routes: readonly CapabilityRoute[], wrap: (route: Route) => Route = (r) => r): Route[] {
    const sessionRoutes = routes.filter((r): r is SessionRoute => r.session !== undefined);
    return [
      ...routes.map((r) => wrap(r.session !== undefined ? this.sessions.protect(r) : this.controlPlane.protect(r))),
      ...this.sessions.preflights(sessionRoutes),
    ];
  }
}
