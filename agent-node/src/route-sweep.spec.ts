import { createHash } from 'node:crypto';
import { recordFigures } from '@enclave/sandbox';
import {
  callCount,
  primeSeenNonce,
  send,
  validHeaders,
  wrongCredentials,
  type SweepRequest,
} from './testing/route-sweep-calls';
import { BODY_INPUTS, PATH_INPUTS, QUERY_INPUTS } from './testing/route-sweep-inputs';
import { startSweepNode, type SweepNode } from './testing/route-sweep-node';
import { ROUTE_TABLE, type RouteExpectation } from './testing/route-sweep-table';

const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Session paths get a CORS preflight each: expected with the dashboard Origin as credential. */
function fullTable(): Record<string, RouteExpectation> {
  const table: Record<string, RouteExpectation> = { ...ROUTE_TABLE };
  for (const [key, e] of Object.entries(ROUTE_TABLE)) {
    if (e.guard !== 'member' && e.guard !== 'admin') continue;
    table[`OPTIONS ${key.split(' ')[1]}`] = { guard: 'preflight', credential: 'dashboard-origin', at: e.at };
  }
  return table;
}

/** The node's `{error:{code,message,details}}`, or OpenAI's `{error:{message,type}}` on the chat API. */
const isErrorShape = (json: unknown, e: RouteExpectation) => {
  const error = (json as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error.message !== 'string') return false;
  const nodeShape = typeof error.code === 'string' && 'details' in error;
  // The router refuses some requests (a malformed path) before the chat API's own handler runs.
  return nodeShape || (e.errorShape === 'openai' && typeof error.type === 'string');
};
/**
 * Not state a refusal may not change: every verified signed request leaves its nonce (so that its
 * replay is refused too), the chat API counts refused requests for the heartbeat, and a valid API
 * key's "last used" time moves with any request it authenticates, a malformed one included.
 */
const NOT_STATE = new Set(['nonces', 'counters', 'api_key_usage']);

describe('route sweep: every served route refuses wrong credentials and malformed input', () => {
  let node: SweepNode;
  const table = fullTable();
  const served = () => node.f.app.internals.routes;
  const target = (key: string) => table[key].at?.(node.ids) ?? key.split(' ')[1];
  /** Each table's rows, hashed in a stable order: an edit in place shows, not only a new row. */
  const tableDigests = () => {
    const db = node.f.app.internals.db;
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    const digest = (name: string) =>
      createHash('sha256')
        .update(
          (db.prepare(`SELECT * FROM "${name}"`).all() as unknown[])
            .map((row) => JSON.stringify(row))
            .sort()
            .join('\n'),
        )
        .digest('hex');
    return Object.fromEntries(
      tables.filter(({ name }) => !NOT_STATE.has(name)).map(({ name }) => [name, digest(name)]),
    );
  };

  beforeAll(async () => {
    node = await startSweepNode();
  }, 60_000);
  afterAll(() => node?.f.close());

  it('the table names every served route, and each with its guard', () => {
    const servedKeys = served().map((r) => `${r.method} ${r.path}`);
    const missing = servedKeys.filter((k) => !table[k]).map((k) => `${k}: served but not in the sweep table`);
    const stale = Object.keys(table)
      .filter((k) => !servedKeys.includes(k))
      .map((k) => `${k}: in the sweep table but not served`);
    const guards = served()
      .filter((r) => table[`${r.method} ${r.path}`] && table[`${r.method} ${r.path}`].guard !== r.guard)
      .map(
        (r) =>
          `${r.method} ${r.path}: served with guard ${r.guard}, table says ${table[`${r.method} ${r.path}`].guard}`,
      );
    expect([...missing, ...stale, ...guards]).toEqual([]);
  });

  it('refuses every wrong credential on every route and verb (401/403/404, 405 for verbs a path does not serve)', async () => {
    const failures: string[] = [];
    const start = callCount();
    await primeSeenNonce(node);
    const before = tableDigests();
    const credentials = new Set<string>();
    const paths = [...new Set(served().map((r) => r.path))];
    let checked = 0;
    for (const path of paths) {
      const onPath = served().filter((r) => r.path === path);
      const verbs = [...new Set([...VERBS, ...onPath.map((r) => r.method)])];
      for (const method of verbs) {
        const key = `${method} ${path}`;
        const own = table[key];
        if (own?.publicBecause) continue;
        // A verb the path does not serve: every credential the path's routes know, all 405.
        const sample = onPath.map((r) => `${r.method} ${r.path}`).find((k) => !table[k].publicBecause);
        if (!sample) continue;
        const e = own ?? table[sample];
        const allowed = own ? [401, 403, 404, ...(own.alsoRefusedWith ?? [])] : [405];
        const withBody = e.body && method !== 'GET';
        const base: SweepRequest = {
          method,
          target: target(own ? key : sample),
          ...(withBody
            ? { body: JSON.stringify(e.body?.('hello')), headers: { 'content-type': 'application/json' } }
            : {}),
        };
        for (const cred of wrongCredentials(node, e)) {
          credentials.add(cred.name);
          const res = await send(node.f.nodeUrl, cred.request(base));
          checked += 1;
          if (!allowed.includes(res.status))
            failures.push(
              `${key} [${cred.name}] -> ${res.status} (expected ${allowed.join('/')}) ${JSON.stringify(res.json).slice(0, 200)}`,
            );
        }
      }
    }
    expect(node.f.app.state()).toBe('active');
    const after = tableDigests();
    const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
    if (changed.length) failures.push(`refused calls changed ${changed.join(', ')}`);
    const publicByDesign = Object.entries(table)
      .filter(([, e]) => e.publicBecause)
      .map(([key, e]) => `${key}: ${e.publicBecause}`);
    const figures = {
      routes: served().length,
      paths: paths.length,
      verbs: VERBS.length,
      wrongCredentials: [...credentials],
      publicByDesign,
      wrongCredentialCalls: checked,
      calls: callCount() - start,
      failures: failures.length,
    };
    recordFigures('node-isolation', { ...figures, failureList: failures });
    console.log(
      `node isolation sweep: ${figures.routes} routes on ${figures.paths} paths × ${VERBS.length}+ verbs × wrong credentials = ${checked} checked calls, ${failures.length} failures`,
    );
    expect(failures).toEqual([]);
  }, 120_000);

  it('refuses malformed bodies, queries and path ids with a 4xx in the error shape, changing nothing', async () => {
    node.f.app.internals.worker.setPaused(true);
    const failures: string[] = [];
    const start = callCount();
    let tried = 0;
    let swept = 0;
    const statuses: Record<number, number> = {};
    const accepted: string[] = [];
    const signedSend = (e: RouteExpectation, r: SweepRequest) =>
      send(node.f.nodeUrl, { ...r, headers: { ...r.headers, ...validHeaders(node, e, r) } });
    /** Tables a refused request changed; asked twice, so that background work of an earlier accepted input is not blamed on it. */
    const changedBy = async (e: RouteExpectation, r: SweepRequest, before: Record<string, string>) => {
      const diff = (a: Record<string, string>, b: Record<string, string>) =>
        Object.keys(b).filter((t) => a[t] !== b[t]);
      if (diff(before, tableDigests()).length === 0) return [];
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = tableDigests();
      await signedSend(e, r);
      return diff(again, tableDigests());
    };
    const check = async (key: string, e: RouteExpectation, input: string, r: SweepRequest) => {
      const before = tableDigests();
      const res = await signedSend(e, r);
      tried += 1;
      const mayAccept = e.accepts?.includes(input) ?? false;
      const where = `${key} [${input}] -> ${res.status}`;
      const code = (res.json as { error?: { code?: string } } | null)?.error?.code;
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status < 300) accepted.push(`${key} [${input}]`);
      if (res.status >= 500) failures.push(`${where}: server error ${JSON.stringify(res.json).slice(0, 200)}`);
      // A refused credential means the input was never looked at: the sweep would prove nothing.
      else if (res.status === 401 || (res.status === 403 && code !== 'link_invalid'))
        failures.push(`${where}: the valid credential was refused (${code})`);
      else if (mayAccept) return;
      else if (res.status < 400) failures.push(`${where}: accepted, refusal due`);
      else if (!isErrorShape(res.json, e))
        failures.push(`${where}: not the error shape ${JSON.stringify(res.json).slice(0, 120)}`);
      else {
        const changed = await changedBy(e, r, before);
        if (changed.length) failures.push(`${where}: refused but changed ${changed.join(', ')}`);
      }
    };
    for (const [key, e] of Object.entries(table)) {
      const method = key.split(' ')[0];
      const pattern = key.split(' ')[1];
      const [path, query] = target(key).split('?');
      const hasParams = pattern.includes(':');
      // A preflight reads neither body nor ids: it answers CORS headers for the dashboard only.
      if (e.guard === 'preflight' || (!e.body && !e.query && !hasParams)) continue;
      swept += 1;
      const json = { 'content-type': 'application/json' };
      const validBody = e.body ? JSON.stringify(e.body('hello')) : undefined;
      if (e.body) {
        if (!e.noBaseline) {
          const r = { method, target: target(key), body: JSON.stringify(e.body(e.valid ?? 'hello')), headers: json };
          const baseline = await signedSend(e, r);
          if (baseline.status >= 300)
            failures.push(`${key} [valid body] -> ${baseline.status}: refused, so its malformed inputs prove little`);
        }
        for (const input of BODY_INPUTS) {
          const body = input.body(e.body);
          await check(key, e, input.name, {
            method,
            target: target(key),
            body,
            headers: { 'content-type': input.contentType },
          });
        }
      }
      if (e.query) {
        for (const input of QUERY_INPUTS) {
          const q = e.query(input.value, node.ids);
          await check(key, e, input.name, { method, target: `${path}?${q}`, body: validBody, headers: json });
        }
      }
      if (hasParams) {
        const segments = pattern.split('/');
        for (const input of PATH_INPUTS) {
          for (const i of segments.map((s, n) => (s.startsWith(':') ? n : -1)).filter((n) => n >= 0)) {
            const concrete = path.split('/');
            concrete[i] = input.value;
            const t = `${concrete.join('/')}${query ? `?${query}` : ''}`;
            await check(key, e, `${input.name}@${segments[i]}`, { method, target: t, body: validBody, headers: json });
          }
        }
      }
    }
    node.f.app.internals.worker.setPaused(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const figures = {
      routes: swept,
      bodyInputs: BODY_INPUTS.length,
      queryInputs: QUERY_INPUTS.length,
      pathInputs: PATH_INPUTS.length,
      inputsTried: tried,
      calls: callCount() - start,
      failures: failures.length,
    };
    recordFigures('node-malformed', { ...figures, statuses, accepted, failureList: failures });
    console.log(`node malformed-input sweep: ${swept} routes, ${tried} inputs tried, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 180_000);
});
