import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { safeEqual } from '../helpers';

/**
 * Conventions of the OVHcloud API v1 (https://help.ovhcloud.com/csm/en-api-getting-started-ovhcloud-api):
 * signed requests, JSON bodies, and errors as `{errorCode, httpCode, message}` (authentication)
 * or `{class: 'Client::…', message}`.
 */

export interface OvhKeys {
  readonly applicationKey: string;
  readonly applicationSecret: string;
  readonly consumerKey: string;
  /** Accepted clock skew of X-Ovh-Timestamp, in seconds. */
  readonly maxSkewSeconds: number;
}

export class OvhError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, string>,
  ) {
    super(body.message);
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' };
const apiError = (status: number, errorCode: string, message: string) =>
  new OvhError(status, { errorCode, httpCode: `${status} ${STATUS_TEXT[status] ?? ''}`.trim(), message });
export const clientError = (status: number, klass: string, message: string) =>
  new OvhError(status, { class: `Client::${klass}`, message });

/** "$1$" + sha1_hex(AS+"+"+CK+"+"+METHOD+"+"+FULL_URL+"+"+BODY+"+"+TIMESTAMP), as OVH documents it. */
export function ovhSignature(
  secret: string,
  consumerKey: string,
  method: string,
  url: string,
  body: string,
  timestamp: number | string,
): string {
  return `$1$${createHash('sha1').update(`${secret}+${consumerKey}+${method}+${url}+${body}+${timestamp}`).digest('hex')}`;
}

function verify(req: Request, keys: OvhKeys): void {
  const appKey = req.get('x-ovh-application');
  if (!appKey || !safeEqual(appKey, keys.applicationKey))
    throw apiError(403, 'INVALID_KEY', 'This application key is invalid');
  const consumer = req.get('x-ovh-consumer');
  if (!consumer || !safeEqual(consumer, keys.consumerKey))
    throw apiError(403, 'INVALID_CREDENTIAL', 'This credential does not exist');
  const timestamp = req.get('x-ovh-timestamp') ?? '';
  if (!/^\d+$/.test(timestamp) || Math.abs(Number(timestamp) - Math.floor(Date.now() / 1000)) > keys.maxSkewSeconds)
    throw apiError(400, 'QUERY_TIME_OUT', 'Query out of time');
  const signature = req.get('x-ovh-signature') ?? '';
  const body = typeof req.body === 'string' ? req.body : '';
  const url = `://${req.get('host') ?? ''}${req.originalUrl}`;
  // The client signs the URL it was configured with; accept the http and https spellings.
  const ok = ['http', 'https'].some((scheme) =>
    safeEqual(
      signature,
      ovhSignature(keys.applicationSecret, consumer, req.method, `${scheme}${url}`, body, timestamp),
    ),
  );
  if (!ok) throw apiError(400, 'INVALID_SIGNATURE', 'Invalid signature');
}

/** Wraps a route: the signature is checked first, the result answered as JSON, an error as OVH's body. */
export function signedRoute(keys: OvhKeys) {
  return (fn: (req: Request, res: Response) => unknown) => (req: Request, res: Response) => {
    try {
      verify(req, keys);
      const result = fn(req, res);
      res.json(result === undefined ? null : result);
    } catch (error) {
      if (error instanceof OvhError) res.status(error.status).json(error.body);
      else res.status(400).json({ class: 'Client::BadRequest', message: (error as Error).message });
    }
  };
}

/** The JSON object body (the raw text is what the signature covers). */
export function jsonBody(req: Request): Record<string, unknown> {
  const raw = typeof req.body === 'string' ? req.body : '';
  if (!raw) throw clientError(400, 'BadRequest', 'Missing request body');
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw clientError(400, 'BadRequest', 'Invalid JSON received');
  }
}

export function requireString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || !value) throw clientError(400, 'BadRequest', `[${name}] Property is mandatory`);
  return value;
}

export type SignedRoute = ReturnType<typeof signedRoute>;

/** Every /cloud/project/:serviceName route answers 404 for another project. */
export function checkProject(req: Request, projectId: string): void {
  if (req.params.serviceName !== projectId) throw clientError(404, 'NotFound', `This service does not exist`);
}
