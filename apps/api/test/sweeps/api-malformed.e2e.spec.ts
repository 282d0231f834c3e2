import { recordFigures } from '@enclave/sandbox';
import { conversationIdSchema } from '../../src/exports/dto/exports.dto';
import { buildOpenApiDocument } from '../../src/openapi';
import { type Access, ROUTE_ACCESS, routeKey, type ServedRoute, servedRoutes } from './api-routes';
import {
  bodyInputs,
  type FieldSchema,
  fieldInputs,
  type MalformedInput,
  paramInputs,
  queryInputs,
} from './malformed-inputs';
import { fillPath, isErrorShape, type SweepFixture, startSweepFixture, validBody } from './sweep-fixture';

/** Routes that would end the sweep's own session or workspace if an input slipped through: last. */
const LAST = [
  'POST /api/auth/logout',
  'POST /api/auth/logout-all',
  'POST /api/workspaces/:id/transfer-ownership',
  'DELETE /api/workspaces/:id',
  'DELETE /api/account',
];

/** Path params whose ids are not UUIDs: the format a value must have to be an id at all. */
const ID_FORMATS: Record<string, (id: string) => boolean> = {
  conversationId: (id) => conversationIdSchema.safeParse(id).success,
};

interface Operation {
  requestBody?: { content?: Record<string, { schema?: FieldSchema & { $ref?: string } }> };
  parameters?: Array<{ name: string; in: string; schema?: FieldSchema }>;
}

/**
 * Every route with a body, query or path parameter, called with the credential it needs and
 * each malformed input of malformed-inputs.ts: a 4xx in the error shape every time (a link's
 * callback may instead send the browser to its error page), never a 5xx, and every table's contents and the
 * audit chain's head unchanged by the refused inputs of each route.
 */
describe('API malformed-input sweep: every route with input × every malformed input', () => {
  let x: SweepFixture;
  let routes: ServedRoute[];
  let paths: Record<string, Record<string, Operation>>;
  let schemas: Record<string, FieldSchema>;

  beforeAll(async () => {
    x = await startSweepFixture();
    // Mounted apps (`USE`: the docs' files, bull-board for staff) declare no input of ours.
    routes = servedRoutes(x.f.h.api.app).filter((r) => ROUTE_ACCESS[routeKey(r)] !== 'fallback' && r.method !== 'USE');
    const document = buildOpenApiDocument(x.f.h.api.app);
    paths = document.paths as never;
    schemas = (document.components?.schemas ?? {}) as Record<string, FieldSchema>;
  });
  afterAll(() => x?.close());

  const cookieFor = (access: Access) =>
    access === 'staff'
      ? x.staffCookie
      : ['user', 'member', 'admin', 'owner'].includes(access)
        ? x.f.owner.cookie
        : undefined;

  function inputsOf(route: ServedRoute): MalformedInput[] {
    const key = routeKey(route);
    const operation = paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()] ?? {};
    const inputs: MalformedInput[] = [];
    if (route.method !== 'GET') {
      const declared = operation.requestBody?.content?.['application/json']?.schema;
      const schema = declared?.$ref ? schemas[declared.$ref.split('/').pop() as string] : declared;
      const valid = (validBody(key, x) ?? {}) as Record<string, unknown>;
      inputs.push(...bodyInputs(valid, schema !== undefined));
      for (const [field, fieldSchema] of Object.entries(schema?.properties ?? {}))
        inputs.push(...fieldInputs(valid, field, fieldSchema));
    }
    for (const p of operation.parameters ?? [])
      if (p.in === 'query') inputs.push(...queryInputs(p.name, p.schema ?? {}));
    for (const [, name] of route.path.matchAll(/:([A-Za-z]+)/g)) inputs.push(...paramInputs(name, ID_FORMATS[name]));
    return inputs;
  }

  it('refuses every malformed input with a 4xx, never a 5xx, and changes nothing', async () => {
    const failures: string[] = [];
    let calls = 0;
    let routesWithInput = 0;
    const ordered = [...routes].sort((a, b) => LAST.indexOf(routeKey(a)) - LAST.indexOf(routeKey(b)));
    for (const route of ordered) {
      const key = routeKey(route);
      const access = ROUTE_ACCESS[key];
      const inputs = inputsOf(route);
      if (inputs.length === 0) continue;
      routesWithInput++;
      const ids = route.path.startsWith('/api/account/exports') ? { ...x.ids, exportId: x.ids.accountExportId } : x.ids;
      const valid = route.method === 'GET' ? undefined : JSON.stringify(validBody(key, x) ?? {});
      const send = (input: MalformedInput) => {
        const path = fillPath(route.path, ids, input.param);
        calls++;
        return x.call(route.method, input.query ? `${path}?${input.query}` : path, {
          cookie: cookieFor(access),
          raw: input.raw ?? (input.param ? valid : undefined),
          contentType: input.contentType,
        });
      };

      const before = await x.snapshot();
      for (const input of inputs.filter((i) => !i.mayAccept)) {
        const res = await send(input);
        const refused =
          (res.status >= 400 && res.status < 500 && isErrorShape(res.body)) ||
          (access === 'link' && res.status >= 300 && res.status < 400 && res.location !== null);
        if (!refused) failures.push(`${key} ← ${input.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      const after = await x.snapshot();
      if (JSON.stringify(after) !== JSON.stringify(before))
        failures.push(`${key}: refused inputs changed the database`);
      for (const input of inputs.filter((i) => i.mayAccept)) {
        const res = await send(input);
        if (res.status >= 500 || (res.status >= 400 && !isErrorShape(res.body)))
          failures.push(`${key} ← ${input.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }

    recordFigures('api-malformed', { routes: routesWithInput, calls, failures: failures.length });
    expect(failures).toEqual([]);
  });
});
