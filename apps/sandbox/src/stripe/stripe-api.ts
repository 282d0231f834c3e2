import express, { type NextFunction, type Request, type Response, Router } from 'express';
import qs from 'qs';
import { safeEqual } from '../helpers';
import { sessionLineItems } from './stripe-checkout';
import { invalidRequest, StripeApiError } from './stripe-errors';
import { expandList, type Params } from './stripe-params';
import {
  clone,
  type EventContext,
  STRIPE_API_VERSION,
  type StripeObject,
  type StripeStore,
  stripeId,
} from './stripe-store';

/**
 * The /v1 API as Stripe serves it: key authentication, a `Request-Id` on every answer,
 * form-encoded bodies, `Idempotency-Key` replays, `expand[]`, and Stripe's error envelope.
 * Each resource module registers its endpoints through `route`.
 */

export interface ApiContext {
  params: Params;
  req: Request;
  events: EventContext;
  expand: string[];
}

export type ApiRoute = (method: 'get' | 'post' | 'delete', path: string, handler: (ctx: ApiContext) => unknown) => void;

interface CachedResponse {
  fingerprint: string;
  status: number;
  body: unknown;
  expiresAt: number;
}

const DOC = 'https://stripe.com/docs/api';
const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600_000;

function authenticate(secretKey: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    let key: string | undefined;
    const bearer = /^bearer\s+(\S+)$/i.exec(header);
    const basic = /^basic\s+(\S+)$/i.exec(header);
    if (bearer) key = bearer[1];
    else if (basic) key = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
    if (!key) {
      res.status(401).json({
        error: {
          message: `You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See ${DOC}#authentication for details, or we can help at https://support.stripe.com/.`,
          type: 'invalid_request_error',
        },
      });
      return;
    }
    if (!safeEqual(key, secretKey)) {
      const masked =
        key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '***';
      res.status(401).json({
        error: {
          message: `Invalid API Key provided: ${masked}`,
          type: 'invalid_request_error',
          code: 'api_key_invalid',
        },
      });
      return;
    }
    next();
  };
}

/** The /v1 router; `register` adds the resources' endpoints before the unknown-URL answer. */
export function stripeApi(store: StripeStore, secretKey: string, register: (route: ApiRoute) => void): Router {
  const idempotency = new Map<string, CachedResponse>();
  const api = Router();
  api.use((req, res, next) => {
    const requestId = stripeId('req_', 14);
    res.locals.requestId = requestId;
    res.set('Request-Id', requestId);
    res.set('Stripe-Version', req.get('stripe-version') ?? STRIPE_API_VERSION);
    next();
  });
  api.use(authenticate(secretKey));
  api.use(express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 2000 }));
  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const tooLarge = (err as { status?: number }).status === 413;
    res.status(tooLarge ? 413 : 400).json({
      error: {
        type: 'invalid_request_error',
        message: tooLarge ? 'Request body too large.' : `Invalid request body: ${(err as Error).message}`,
      },
    });
  });

  const route: ApiRoute = (method, path, handler) => {
    api[method](path, (req: Request, res: Response) => {
      const queryString = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const params: Params =
        method === 'post'
          ? { ...qs.parse(queryString, { depth: 5 }), ...((req.body as Params | undefined) ?? {}) }
          : (qs.parse(queryString, { depth: 5, arrayLimit: 100 }) as Params);
      const key = req.get('idempotency-key');
      const events: EventContext = { requestId: res.locals.requestId as string, idempotencyKey: key ?? null };
      let fingerprint = '';
      if (method === 'post' && key) {
        if (key.length > 255) {
          res.status(400).json({
            error: { type: 'invalid_request_error', message: 'Idempotency keys can be at most 255 characters long.' },
          });
          return;
        }
        fingerprint = `${req.method} ${req.path} ${JSON.stringify(params)}`;
        const cached = idempotency.get(key);
        if (cached && cached.expiresAt > Date.now()) {
          if (cached.fingerprint !== fingerprint) {
            res.status(400).json({
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
              },
            });
            return;
          }
          res
            .set('Idempotent-Replayed', 'true')
            .set('Original-Request', 'req_replayed')
            .status(cached.status)
            .json(cached.body);
          return;
        }
      }
      try {
        const expand = expandList(params);
        const result = handler({ params, req, events, expand });
        const body =
          result && typeof result === 'object' && 'object' in (result as object) && expand.length
            ? expandObject(store, result as StripeObject, expand)
            : result;
        const snapshot = clone(body);
        if (method === 'post' && key)
          idempotency.set(key, {
            fingerprint,
            status: 200,
            body: snapshot,
            expiresAt: Date.now() + IDEMPOTENCY_KEY_TTL_MS,
          });
        res.status(200).json(snapshot);
      } catch (error) {
        if (error instanceof StripeApiError) {
          res.status(error.status).json({
            error: {
              ...error.body,
              request_log_url: `https://dashboard.stripe.com/test/logs/${String(res.locals.requestId)}`,
            },
          });
          return;
        }
        res.status(500).json({ error: { type: 'api_error', message: `Sandbox error: ${(error as Error).message}` } });
      }
    });
  };
  register(route);

  api.use((req, res) => {
    res.status(404).json({
      error: {
        message: `Unrecognized request URL (${req.method}: ${req.originalUrl.split('?')[0]}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        type: 'invalid_request_error',
      },
    });
  });
  return api;
}

/** Applies `expand[]` paths (e.g. "subscription", "data.customer", "subscription.latest_invoice"). */
function expandObject(store: StripeStore, object: StripeObject, paths: string[]): StripeObject {
  const result = clone(object);
  for (const path of paths) {
    if (path === 'line_items' && object.object === 'checkout.session') {
      result.line_items = sessionLineItems(store, object.id);
      continue;
    }
    expandPath(store, result, path.split('.'), path);
  }
  return result;
}

function expandPath(store: StripeStore, target: Record<string, unknown>, parts: string[], full: string): void {
  const [head, ...rest] = parts;
  if (head === 'data' && Array.isArray(target.data)) {
    for (const item of target.data as Array<Record<string, unknown>>) expandPath(store, item, rest, full);
    return;
  }
  if (!(head in target)) throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
  let value = target[head];
  if (typeof value === 'string') {
    const found = store.lookup(value);
    if (!found) throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
    value = clone(found);
    target[head] = value;
  }
  if (rest.length) {
    if (value && typeof value === 'object') expandPath(store, value as Record<string, unknown>, rest, full);
    else throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
  }
}
