import { recordFigures } from '@enclave/sandbox';
import { type Access, ROUTE_ACCESS, routeKey, type ServedRoute, servedRoutes } from './api-routes';
import { fillPath, isErrorShape, type SweepFixture, startSweepFixture, validBody } from './sweep-fixture';

const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const WORKSPACE_ROLES: Access[] = ['member', 'admin', 'owner'];
const RANK: Partial<Record<Access, number>> = { member: 0, admin: 1, owner: 2 };

/** Does the route pattern `pattern` (`:name` = one segment) match the literal path `path`? */
const matches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(path);

interface Caller {
  readonly name: string;
  readonly cookie?: string;
  /** What this caller must get on a route of this access, or null when the route is not theirs to try. */
  expect(access: Access, route: ServedRoute): number[] | null;
}

/**
 * Every route the API serves (read from its router) × every verb × every caller who must be
 * refused: anonymous, a member of another workspace using this workspace's real ids, a plain
 * member or an admin where more is needed, a non-staff owner on staff routes. Only 401/403/404
 * (and 400 for a missing signature on signed routes) may come back; nothing may change.
 */
describe('API isolation sweep: every route × verb × caller who must be refused', () => {
  let x: SweepFixture;
  let routes: ServedRoute[];

  beforeAll(async () => {
    x = await startSweepFixture();
    routes = servedRoutes(x.f.h.api.app);
  });
  afterAll(() => x?.close());

  it('every served route has an expectation, and every expectation a route', () => {
    const served = routes.map(routeKey).sort();
    expect(served.filter((key) => !(key in ROUTE_ACCESS))).toEqual([]);
    expect(Object.keys(ROUTE_ACCESS).filter((key) => !served.includes(key))).toEqual([]);
  });

  it('refuses every caller without the right, and changes nothing', async () => {
    const callers: Caller[] = [
      {
        name: 'anonymous',
        expect: (access) =>
          access === 'signed' ? [400, 401, 403, 404] : ['public', 'link', 'fallback'].includes(access) ? null : [401],
      },
      {
        name: 'member of another workspace',
        cookie: x.f.outsider.cookie,
        expect: (access, route) =>
          WORKSPACE_ROLES.includes(access)
            ? [404]
            : access === 'staff'
              ? [403]
              : // The owner's own sessions, sign-in identities and account exports, by real id.
                access === 'user' && route.path.includes('/:')
                ? [404]
                : null,
      },
      {
        name: 'plain member',
        cookie: x.f.memberCookie,
        expect: (access) => ((RANK[access] ?? 0) > 0 ? [403] : access === 'staff' ? [403] : null),
      },
      { name: 'admin', cookie: x.f.adminCookie, expect: (access) => (access === 'owner' ? [403] : null) },
      { name: 'non-staff owner', cookie: x.f.owner.cookie, expect: (access) => (access === 'staff' ? [403] : null) },
    ];
    const failures: string[] = [];
    let calls = 0;
    const check = async (route: ServedRoute, method: string, caller: Caller, allowed: number[]) => {
      const key = routeKey(route);
      const ids = route.path.startsWith('/api/account/exports') ? { ...x.ids, exportId: x.ids.accountExportId } : x.ids;
      const body = method === 'GET' || method === 'DELETE' ? undefined : validBody(key, x);
      const res = await x.call(method, fillPath(route.path, ids), { cookie: caller.cookie, body });
      calls++;
      if (!allowed.includes(res.status) || !isErrorShape(res.body))
        failures.push(
          `${caller.name}: ${method} ${route.path} → ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`,
        );
    };

    const before = await x.snapshot();
    const byPath = new Map<string, ServedRoute[]>();
    for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
    for (const [path, served] of byPath) {
      if (served.some((r) => r.method === 'ALL')) continue;
      for (const method of VERBS) {
        const route = served.find((r) => r.method === method || r.method === 'USE');
        for (const caller of callers) {
          if (!route) {
            // A verb the path does not serve (nor another pattern, as /workspaces/:id serves
            // /workspaces/slug-availability): the catch-all's 404, whoever asks.
            if (routes.some((r) => r.method === method && matches(r.path, path))) continue;
            if (caller.name === 'anonymous' || caller.name === 'non-staff owner')
              await check({ method, path }, method, caller, [404]);
            continue;
          }
          const allowed = caller.expect(ROUTE_ACCESS[routeKey(route)], route);
          if (allowed) await check(route, method, caller, allowed);
        }
      }
    }
    const after = await x.snapshot();

    recordFigures('api-isolation', {
      routes: routes.length,
      paths: byPath.size,
      verbs: VERBS.length,
      callers: callers.map((c) => c.name),
      calls,
      failures: failures.length,
    });
    expect(failures).toEqual([]);
    expect(after).toEqual(before);
  });
});
