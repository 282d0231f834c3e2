import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type * as z from 'zod/mini';
import type { NodeLogger } from '../logging/logger';
import { NODE_ERROR, NodeError, type NodeErrorCode } from './node-error';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Path plus query string exactly as received (what signatures cover). */
  readonly rawPath: string;
  readonly url: URL;
  readonly params: Record<string, string>;
  readonly body: Buffer;
  readonly requestId: string;
}

export type RouteResult =
  { status: number; json: unknown } | { status: number; text: string; contentType?: string } | { handled: true };

/**
 * Who may call a route as served: `open` routes check their own credential (provider secret,
 * link signature, API key) or none; `signed` is the control plane; `member`/`admin` a node
 * session of that role; `preflight` a CORS preflight of a session path.
 */
export type RouteGuard = 'open' | 'signed' | 'member' | 'admin' | 'preflight';

export interface Route {
  readonly method: string;
  readonly path: string;
  /** Set by the guard that wraps the route; absent means `open`. */
  readonly guard?: RouteGuard;
  /** Maximum accepted body size in bytes. */
  readonly bodyLimit?: number;
  readonly handler: (ctx: RequestContext) => Promise<RouteResult> | RouteResult;
}

interface CompiledRoute extends Route {
  readonly regex: RegExp;
  readonly names: string[];
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const pattern = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, regex: new RegExp(`^${pattern}$`), names };
}

/** Exact method + path patterns (`:name` matches one segment); `unmatched` answers any other path. */
export class Router {
  private readonly routes: readonly CompiledRoute[];

  constructor(
    routes: readonly Route[],
    private readonly unmatched: () => NodeError = () => new NodeError(NODE_ERROR.notFound, 'no such route'),
  ) {
    this.routes = routes.map(compile);
  }

  /** The route table as served (read-only; tests check every route is accounted for). */
  list(): { method: string; path: string; guard: RouteGuard }[] {
    return this.routes.map((r) => ({ method: r.method, path: r.path, guard: r.guard ?? 'open' }));
  }

  match(method: string, pathname: string): { route: Route; params: Record<string, string> } {
    const pathMatches = this.routes.filter((r) => r.regex.test(pathname));
    if (pathMatches.length === 0) throw this.unmatched();
    const route = pathMatches.find((r) => r.method === method);
    if (!route) throw new NodeError(NODE_ERROR.methodNotAllowed, `method ${method} not allowed here`);
    const m = route.regex.exec(pathname) as RegExpExecArray;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => {
      try {
        params[n] = decodeURIComponent(m[i + 1]);
      } catch {
        throw new NodeError(NODE_ERROR.badRequest, 'malformed percent-encoding in path');
      }
    });
    return { route, params };
  }
}

/** Checks parsed JSON against a zod schema: 422 with the failing paths otherwise. */
export function validate<S extends z.ZodMiniType>(
  schema: S,
  raw: unknown,
  message = 'request body failed validation',
): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new NodeError(
      NODE_ERROR.validationFailed,
      message,
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return result.data;
}

/** The raw body as JSON (400 when it is not). */
export function parseJson(ctx: RequestContext): unknown {
  try {
    return JSON.parse(ctx.body.toString('utf8'));
  } catch {
    throw new NodeError(NODE_ERROR.invalidJson, 'body is not valid JSON');
  }
}

/** Parses an application/json body (empty: `{}`) against a zod schema; 400/415/422 otherwise. */
export function parseJsonBody<S extends z.ZodMiniType>(ctx: RequestContext, schema: S): z.infer<S> {
  if (ctx.body.length === 0) return validate(schema, {});
  const type = ctx.req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new NodeError(NODE_ERROR.unsupportedMediaType, 'body must be application/json');
  return validate(schema, parseJson(ctx));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function errorBody(code: NodeErrorCode, message: string, details?: unknown) {
  return { error: { code, message, details: details ?? null } };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new NodeError(NODE_ERROR.payloadTooLarge, `body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new NodeError(NODE_ERROR.payloadTooLarge, `body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A minimal HTTP server on node:http with JSON errors everywhere. `router` is asked on every
 * request, so the node can swap its routes (a wipe leaves only health).
 */
export function createHttpServer(router: () => Router, logger: NodeLogger): Server {
  return createServer((req, res) => {
    const requestId = randomUUID();
    const started = Date.now();
    void (async () => {
      const method = req.method ?? 'GET';
      const rawPath = req.url ?? '/';
      const url = new URL(rawPath, 'http://node.invalid');
      let routeName = 'unmatched';
      try {
        const { route, params } = router().match(method, url.pathname);
        routeName = `${route.method} ${route.path}`;
        const body = await readBody(req, route.bodyLimit ?? DEFAULT_BODY_LIMIT);
        const result = await route.handler({ req, res, method, rawPath, url, params, body, requestId });
        if ('handled' in result) return;
        if ('json' in result) sendJson(res, result.status, result.json);
        else {
          res.writeHead(result.status, {
            'content-type': result.contentType ?? 'text/plain; charset=utf-8',
            'cache-control': 'no-store',
            // Some text echoes the caller's input (WhatsApp's hub.challenge): never sniffed as HTML.
            'x-content-type-options': 'nosniff',
          });
          res.end(result.text);
        }
      } catch (err) {
        if (err instanceof NodeError) {
          if (!res.headersSent) sendJson(res, err.status, errorBody(err.code, err.message, err.details));
          else res.destroy();
        } else {
          logger.error({ err, requestId, route: routeName }, 'request failed');
          if (!res.headersSent) sendJson(res, 500, errorBody(NODE_ERROR.internal, 'internal error', { requestId }));
          else res.destroy();
        }
      } finally {
        logger.debug({ requestId, route: routeName, status: res.statusCode, ms: Date.now() - started }, 'request');
      }
    })();
  });
}
