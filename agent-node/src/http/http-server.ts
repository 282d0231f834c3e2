import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type * as z from 'zod/mini';
import type { NodeLogger } from '../logging/logger';
import { NodeError } from './node-error';

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

export interface Route {
  readonly method: string;
  readonly path: string;
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

/** Parses a JSON body against a zod schema; 400/422 with details otherwise. */
export function parseJsonBody<S extends z.ZodMiniType>(ctx: RequestContext, schema: S): z.infer<S> {
  let raw: unknown;
  if (ctx.body.length === 0) raw = {};
  else {
    const type = ctx.req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type))
      throw new NodeError('unsupported_media_type', 'body must be application/json');
    try {
      raw = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      throw new NodeError('invalid_json', 'body is not valid JSON');
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new NodeError(
      'validation_failed',
      'request body failed validation',
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return result.data;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, details: details ?? null } };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new NodeError('payload_too_large', `body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new NodeError('payload_too_large', `body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A minimal router on node:http: exact method + path patterns, JSON errors everywhere. */
export function createHttpServer(routes: readonly Route[], logger: NodeLogger): Server {
  const compiled = routes.map(compile);
  return createServer((req, res) => {
    const requestId = randomUUID();
    const started = Date.now();
    void (async () => {
      const method = req.method ?? 'GET';
      const rawPath = req.url ?? '/';
      const url = new URL(rawPath, 'http://node.invalid');
      let routeName = 'unmatched';
      try {
        const pathMatches = compiled.filter((r) => r.regex.test(url.pathname));
        if (pathMatches.length === 0) throw new NodeError('not_found', 'no such route');
        const route = pathMatches.find((r) => r.method === method);
        if (!route) throw new NodeError('method_not_allowed', `method ${method} not allowed here`);
        routeName = `${route.method} ${route.path}`;
        const m = route.regex.exec(url.pathname) as RegExpExecArray;
        const params: Record<string, string> = {};
        route.names.forEach((n, i) => {
          try {
            params[n] = decodeURIComponent(m[i + 1]);
          } catch {
            throw new NodeError('bad_request', 'malformed percent-encoding in path');
          }
        });
        const body = await readBody(req, route.bodyLimit ?? DEFAULT_BODY_LIMIT);
        const result = await route.handler({ req, res, method, rawPath, url, params, body, requestId });
        if ('handled' in result) return;
        if ('json' in result) sendJson(res, result.status, result.json);
        else {
          res.writeHead(result.status, {
            'content-type': result.contentType ?? 'text/plain; charset=utf-8',
            'cache-control': 'no-store',
          });
          res.end(result.text);
        }
      } catch (err) {
        if (err instanceof NodeError) {
          if (!res.headersSent) sendJson(res, err.status, errorBody(err.code, err.message, err.details));
          else res.destroy();
        } else {
          logger.error({ err, requestId, route: routeName }, 'request failed');
          if (!res.headersSent) sendJson(res, 500, errorBody('internal', 'internal error', { requestId }));
          else res.destroy();
        }
      } finally {
        logger.debug({ requestId, route: routeName, status: res.statusCode, ms: Date.now() - started }, 'request');
      }
    })();
  });
}
