import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { bodyOf, type CfError, CloudflareError, fail, handle } from './cloudflare-api';
import { createRecord, type DnsRecord } from './cloudflare-dns';
import type { Zones } from './cloudflare-zones';

/**
 * Sandbox-only faults for the next DNS record creates (`POST /zones/:zone_id/dns_records`),
 * armed with `POST /cloudflare/_test/faults` (no auth, JSON), one create each, in order:
 *
 *   {"fault": "lose_response"}
 *       the create is applied, then the connection is dropped before any answer: what a
 *       client sees when a response is lost (a retry of the same POST gets 81058).
 *   {"fault": "concurrent_create", "record": {"type", "name", "content", "proxied"?, "ttl"?}}
 *       another writer creates `record` just before the create is handled (between the
 *       client's lookup and its create), so an identical create gets 81058.
 *   {"fault": "error", "status": 403, "errors": [{"code": 10000, "message": "..."}]}
 *       the create is refused with that v4 error envelope and not applied (a test can make the
 *       message echo what the API received, the token say, as a proxy or a bug upstream might).
 *
 * `GET /cloudflare/_test/faults` answers `{pending, dnsCreates}`: the faults not yet used and
 * how many create requests reached the stand-in (a retried POST counts twice).
 */

type Fault =
  | { fault: 'lose_response' }
  | { fault: 'concurrent_create'; record: Record<string, unknown> }
  | { fault: 'error'; error: CloudflareError };

function isCfErrors(value: unknown): value is CfError[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (e: { code?: unknown; message?: unknown }) => Number.isInteger(e?.code) && typeof e?.message === 'string',
    )
  );
}

function parseFault(body: Record<string, unknown>): Fault {
  if (body.fault === 'lose_response') return { fault: 'lose_response' };
  if (body.fault === 'concurrent_create') {
    const record = body.record;
    if (!record || typeof record !== 'object' || Array.isArray(record))
      throw new CloudflareError(400, [{ code: 1004, message: 'concurrent_create needs a record object.' }]);
    return { fault: 'concurrent_create', record: record as Record<string, unknown> };
  }
  if (body.fault === 'error') {
    const status = body.status;
    if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599 || !isCfErrors(body.errors))
      throw new CloudflareError(400, [
        { code: 1004, message: 'error needs a 4xx/5xx status and errors [{code, message}].' },
      ]);
    return { fault: 'error', error: new CloudflareError(status as number, body.errors) };
  }
  throw new CloudflareError(400, [
    { code: 1004, message: 'fault must be "lose_response", "concurrent_create" or "error".' },
  ]);
}

export class CreateFaults {
  private readonly pending: Fault[] = [];
  private creates = 0;

  constructor(
    private readonly zones: Zones,
    private readonly records: Map<string, DnsRecord>,
  ) {}

  /** Runs before the create route (after authentication and body parsing). */
  readonly beforeCreate = (req: Request, res: Response, next: NextFunction): void => {
    this.creates += 1;
    const fault = this.pending.shift();
    if (fault?.fault === 'error') {
      fail(res, fault.error);
      return;
    }
    if (fault?.fault === 'lose_response') {
      // The route still applies the create; its answer never leaves.
      res.json = () => {
        req.socket.destroy();
        return res;
      };
    } else if (fault?.fault === 'concurrent_create') {
      try {
        createRecord(this.records, this.zones.get(String(req.params.zoneId), req.path), fault.record);
      } catch (error) {
        if (error instanceof CloudflareError) {
          fail(res, error);
          return;
        }
        throw error;
      }
    }
    next();
  };

  routes(router: Router): void {
    const json = express.json({ limit: '16kb' });
    router.post(
      '/_test/faults',
      json,
      handle((req) => {
        this.pending.push(parseFault(bodyOf(req)));
        return { pending: this.pending.length };
      }),
    );
    router.get('/_test/faults', (_req, res) => {
      res.json({ pending: this.pending.map((f) => f.fault), dnsCreates: this.creates });
    });
  }
}
