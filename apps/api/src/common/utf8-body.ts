import { domainError, REQUEST_ERRORS } from '@enclave/platform';
import type { NextFunction, Request, Response } from 'express';
import { isUtf8 } from 'node:buffer';

/**
 * Refuses a body that is not valid UTF-8 (400 `malformed_utf8`): body-parser would decode the
 * bad bytes to U+FFFD and the API would store that. Runs right after the JSON parser, on the raw
 * bytes Nest keeps for every parsed body (`rawBody: true`, needed by the Stripe webhook too).
 */
export function requireUtf8Body(request: Request, _response: Response, next: NextFunction): void {
  const raw = (request as Request & { rawBody?: Buffer }).rawBody;
  next(raw !== undefined && !isUtf8(raw) ? domainError(REQUEST_ERRORS.malformedUtf8) : undefined);
}
