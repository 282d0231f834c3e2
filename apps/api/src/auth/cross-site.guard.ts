import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CONFIG, type ControlPlaneConfig, type DeclaredError, domainError } from '@enclave/platform';
import type { IncomingHttpHeaders } from 'node:http';
import { type AppRequest, IS_SIGNED_CALLER } from '../common/request-context';
import { AUTH_ERRORS } from './auth.errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** `Sec-Fetch-Site` values of a request the dashboard itself made, or the user typed. */
const OWN_SITE = new Set(['same-origin', 'none']);

/**
 * Why a state-changing browser request must be refused, or null when it may proceed:
 *
 * - it came from another origin: `Origin` differs from `dashboardOrigin` (PUBLIC_URL's origin;
 *   `Origin: null` included), or, without `Origin`, `Sec-Fetch-Site` is neither `same-origin`
 *   nor `none` (`same-site` is refused too: another subdomain is not the dashboard) → 403;
 * - it carries a body that is not `application/json` → 415. HTML forms can only send
 *   form-encoded, multipart or text/plain bodies, and a cross-site page cannot send JSON
 *   without a CORS preflight, which we never grant. A bodiless POST without a type passes.
 *
 * A request with neither `Origin` nor `Sec-Fetch-Site` passes the origin check: it is not from a
 * browser (curl, scripts, supertest). CSRF needs a victim's browser, and browsers send `Origin` on
 * every cross-origin request other than GET/HEAD (current ones on same-origin POSTs too), so only
 * non-browser clients omit both, and those hold their own cookie and could set any header anyway.
 */
export function crossSiteRefusal(
  method: string,
  headers: IncomingHttpHeaders,
  dashboardOrigin: string,
): DeclaredError | null {
  if (SAFE_METHODS.has(method)) return null;
  const origin = headers.origin;
  const fetchSite = headers['sec-fetch-site'];
  if (origin !== undefined ? origin !== dashboardOrigin : fetchSite !== undefined && !OWN_SITE.has(fetchSite)) {
    return AUTH_ERRORS.crossSiteRequest;
  }
  const type = headers['content-type'];
  const length = headers['content-length'];
  const hasBody = type !== undefined || headers['transfer-encoding'] !== undefined || (length ?? '0') !== '0';
  if (hasBody && type?.split(';')[0].trim().toLowerCase() !== 'application/json') return AUTH_ERRORS.jsonRequired;
  return null;
}

/**
 * Global guard (registered once, in AuthModule, before SessionGuard): every state-changing route
 * a browser can reach with the session cookie (public sign-in routes included) takes only JSON
 * from the dashboard's own origin. Routes marked @SignedCaller() (Stripe webhook, node callbacks)
 * are exempt: each request is authenticated by its signature, not by a cookie.
 * SameSite=Lax remains the first defence; this one does not depend on the browser's cookie policy.
 */
@Injectable()
export class CrossSiteGuard implements CanActivate {
  private readonly dashboardOrigin: string;

  constructor(
    @Inject(CONFIG) config: ControlPlaneConfig,
    private readonly reflector: Reflector,
  ) {
    this.dashboardOrigin = new URL(config.PUBLIC_URL).origin;
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const signed = this.reflector.getAllAndOverride<boolean>(IS_SIGNED_CALLER, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (signed) return true;
    const request = context.switchToHttp().getRequest<AppRequest>();
    const refusal = crossSiteRefusal(request.method, request.headers, this.dashboardOrigin);
    if (refusal) throw domainError(refusal);
    return true;
  }
}
