import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../helpers';

/**
 * Conventions every Cloudflare v4 endpoint follows (https://developers.cloudflare.com/fundamentals/api/):
 * the `{success, errors, messages, result, result_info}` envelope, numbered errors, token
 * authentication and page-based lists.
 */

export interface CfError {
  code: number;
  message: string;
  error_chain?: Array<{ code: number; message: string }>;
}

export class CloudflareError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CfError[],
  ) {
    super(errors[0]?.message ?? 'error');
  }
}

export function noRoute(): CloudflareError {
  return new CloudflareError(404, [{ code: 7000, message: 'No route for that URI' }]);
}

export function envelope(result: unknown, resultInfo?: Record<string, number>): Record<string, unknown> {
  return { success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) };
}

/** Cloudflare's timestamps: microsecond precision, e.g. 2024-01-01T00:00:00.000000Z. */
export function cfTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

export function fail(res: Response, error: CloudflareError): void {
  res.status(error.status).json({ success: false, errors: error.errors, messages: [], result: null });
}

/** A route answering its handler's result as JSON, and a thrown error in the v4 error envelope. */
export function handle(fn: (req: Request, res: Response) => unknown) {
  return (req: Request, res: Response) => {
    try {
      const body = fn(req, res);
      if (!res.headersSent) res.json(body);
    } catch (error) {
      if (error instanceof CloudflareError) fail(res, error);
      else fail(res, new CloudflareError(400, [{ code: 1000, message: (error as Error).message }]));
    }
  };
}

/**
 * `Authorization: Bearer <API token>`, or, on /certificates only, the Origin CA key in
 * `X-Auth-User-Service-Key`; each missing or malformed header gets the error Cloudflare gives.
 */
export function authenticate(apiToken: string, originCaKey: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const auth = req.get('authorization');
    const serviceKey = req.get('x-auth-user-service-key');
    const denied = () => fail(res, new CloudflareError(403, [{ code: 10000, message: 'Authentication error' }]));
    if (serviceKey && req.path.startsWith('/certificates')) {
      if (safeEqual(serviceKey, originCaKey)) next();
      else denied();
      return;
    }
    if (!auth) {
      fail(
        res,
        new CloudflareError(400, [
          { code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' },
        ]),
      );
      return;
    }
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(auth);
    if (!match) {
      fail(
        res,
        new CloudflareError(400, [
          {
            code: 6003,
            message: 'Invalid request headers',
            error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
          },
        ]),
      );
      return;
    }
    if (safeEqual(match[1], apiToken)) next();
    else denied();
  };
}

export const query = (req: Request, key: string): string | undefined => {
  const value = req.query[key];
  return typeof value === 'string' ? value : undefined;
};

export function bodyOf(req: Request): Record<string, unknown> {
  const body = req.body as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new CloudflareError(400, [{ code: 9207, message: 'Request body is invalid.' }]);
  return body as Record<string, unknown>;
}

/** One page of `items` by `page` / `per_page`, with its result_info. */
export function paginate<T>(
  req: Request,
  items: T[],
  defaultPerPage: number,
  maxPerPage: number,
): [T[], Record<string, number>] {
  const page = req.query.page === undefined ? 1 : Number(req.query.page);
  const perPage = req.query.per_page === undefined ? defaultPerPage : Number(req.query.per_page);
  if (!Number.isInteger(page) || page < 1)
    throw new CloudflareError(400, [{ code: 1004, message: 'Invalid page: must be a positive integer.' }]);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > maxPerPage)
    throw new CloudflareError(400, [{ code: 1004, message: `Invalid per_page: must be between 1 and ${maxPerPage}.` }]);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return [
    slice,
    {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    },
  ];
}
