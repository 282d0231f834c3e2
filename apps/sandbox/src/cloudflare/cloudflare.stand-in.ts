import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIPv4, isIPv6 } from 'node:net';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { StandIn } from '../sandbox';
import { OriginCa, parseCsr } from './origin-ca';
import { safeEqual } from '../helpers';

/**
 * Cloudflare API v4 (https://developers.cloudflare.com/api/): zones, DNS records and Origin CA
 * certificates, in the v4 envelope `{success, errors, messages, result, result_info}`.
 * Point the official SDK at it with `new Cloudflare({ apiToken, baseURL: `${sandboxUrl}/cloudflare/client/v4` })`.
 *
 *   GET    /cloudflare/client/v4/user/tokens/verify
 *   GET    /cloudflare/client/v4/zones[?name=&status=&page=&per_page=]
 *   GET    /cloudflare/client/v4/zones/:zone_id
 *   GET    /cloudflare/client/v4/zones/:zone_id/dns_records[?name=&name.exact=&name.contains=&type=&content=&proxied=&match=&order=&direction=&page=&per_page=]
 *   POST   /cloudflare/client/v4/zones/:zone_id/dns_records
 *   GET|PUT|PATCH|DELETE /cloudflare/client/v4/zones/:zone_id/dns_records/:id
 *   POST   /cloudflare/client/v4/certificates            Origin CA: {csr, hostnames, request_type, requested_validity}
 *   GET    /cloudflare/client/v4/certificates?zone_id=
 *   GET|DELETE /cloudflare/client/v4/certificates/:id
 *   GET    /cloudflare/_test/ca.pem                       the sandbox Origin CA certificate
 */

export interface CloudflareStandInOptions {
  /** Zones on the account (default ["enclave.test"]). */
  readonly zones?: readonly string[];
  /** API token accepted as `Authorization: Bearer …`. */
  readonly apiToken?: string;
  /** Origin CA key accepted as `X-Auth-User-Service-Key` on /certificates. */
  readonly originCaKey?: string;
  /**
   * Directory keeping the sandbox Origin CA (origin-ca.key.pem + origin-ca.pem) across restarts;
   * created on first start. Without it a new CA is made per sandbox instance.
   */
  readonly caDir?: string;
}

export const CLOUDFLARE_DEFAULT_TOKEN = 'sandbox-cloudflare-api-token';
export const CLOUDFLARE_DEFAULT_ORIGIN_CA_KEY = 'v1.0-sandbox-origin-ca-key';
const ACCOUNT = { id: createHash('md5').update('enclave-sandbox-account').digest('hex'), name: 'Enclave sandbox' };

interface CfError {
  code: number;
  message: string;
  error_chain?: Array<{ code: number; message: string }>;
}

class CloudflareError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CfError[],
  ) {
    super(errors[0]?.message ?? 'error');
  }
}

const validation = (code: number, message: string) =>
  new CloudflareError(400, [{ code: 1004, message: 'DNS Validation Error', error_chain: [{ code, message }] }]);

interface Zone {
  id: string;
  name: string;
  created_on: string;
}

interface DnsRecord {
  id: string;
  zoneId: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  priority?: number;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
}

interface OriginCertificate {
  id: string;
  certificate: string;
  hostnames: string[];
  expires_on: string;
  request_type: string;
  requested_validity: number;
  csr: string;
  revoked_at?: string;
}

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'CAA', 'SRV'];
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);
const VALIDITIES = [7, 30, 90, 365, 730, 1095, 5475];
const HOSTNAME = /^(?=.{1,253}$)(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

function envelope(result: unknown, resultInfo?: Record<string, number>): Record<string, unknown> {
  return { success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) };
}

function cfTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

/** "2014-01-01 05:20:00 +0000 UTC", the Origin CA expires_on format. */
function goTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

export interface CloudflareStandIn extends StandIn {
  readonly originCa: OriginCa;
  zoneId(name: string): string | undefined;
  /** Origin address of a proxied A/AAAA record with this name (what the edge connects to). */
  proxiedOrigin(hostname: string): string | undefined;
}

export function cloudflareStandIn(options: CloudflareStandInOptions = {}): CloudflareStandIn {
  const token = options.apiToken ?? CLOUDFLARE_DEFAULT_TOKEN;
  const originCaKey = options.originCaKey ?? CLOUDFLARE_DEFAULT_ORIGIN_CA_KEY;
  const created = cfTime(new Date());
  const zones: Zone[] = (options.zones?.length ? options.zones : ['enclave.test']).map((name) => ({
    id: createHash('md5').update(`zone:${name.toLowerCase()}`).digest('hex'),
    name: name.toLowerCase(),
    created_on: created,
  }));
  const records = new Map<string, DnsRecord>();
  const certificates = new Map<string, OriginCertificate>();
  const ca = loadOrCreateCa(options.caDir);

  function zoneJson(zone: Zone): Record<string, unknown> {
    return {
      id: zone.id,
      name: zone.name,
      status: 'active',
      paused: false,
      type: 'full',
      development_mode: 0,
      name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
      original_name_servers: null,
      original_registrar: null,
      original_dnshost: null,
      created_on: zone.created_on,
      modified_on: zone.created_on,
      activated_on: zone.created_on,
      meta: { step: 4, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
      owner: { id: null, type: 'user', email: null },
      account: ACCOUNT,
      permissions: ['#dns_records:edit', '#dns_records:read', '#zone:read'],
      plan: {
        id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
        name: 'Free Website',
        price: 0,
        currency: 'USD',
        frequency: '',
        is_subscribed: false,
        can_subscribe: false,
        legacy_id: 'free',
        legacy_discount: false,
        externally_managed: false,
      },
    };
  }

  function recordJson(r: DnsRecord): Record<string, unknown> {
    return {
      id: r.id,
      name: r.name,
      type: r.type,
      content: r.content,
      proxiable: PROXIABLE.has(r.type),
      proxied: r.proxied,
      ttl: r.ttl,
      ...(r.priority !== undefined ? { priority: r.priority } : {}),
      settings: {},
      meta: {},
      comment: r.comment,
      tags: r.tags,
      created_on: r.created_on,
      modified_on: r.modified_on,
    };
  }

  function getZone(id: string, path: string): Zone {
    const zone = zones.find((z) => z.id === id);
    if (!zone) {
      if (!/^[0-9a-f]{32}$/.test(id)) {
        throw new CloudflareError(400, [
          { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` },
          { code: 7000, message: 'No route for that URI' },
        ]);
      }
      throw new CloudflareError(404, [{ code: 1001, message: 'Invalid zone identifier' }]);
    }
    return zone;
  }

  function getRecord(zone: Zone, id: string): DnsRecord {
    const record = records.get(id);
    if (!record || record.zoneId !== zone.id)
      throw new CloudflareError(404, [{ code: 81044, message: 'Record does not exist.' }]);
    return record;
  }

  /** Cloudflare reads names without the zone suffix as relative to the zone; "@" is the apex. */
  function fullName(zone: Zone, raw: string): string {
    const name = raw.trim().toLowerCase().replace(/\.$/, '');
    if (name === '@' || name === '') return zone.name;
    if (name === zone.name || name.endsWith(`.${zone.name}`)) return name;
    return `${name}.${zone.name}`;
  }

  /** Validates a full record (after applying a PATCH onto the stored one). */
  function validate(
    zone: Zone,
    input: Record<string, unknown>,
    existingId: string | null,
  ): Omit<DnsRecord, 'id' | 'zoneId' | 'created_on' | 'modified_on'> {
    const type = input.type;
    if (typeof type !== 'string' || !type) throw validation(9000, 'DNS record type is required.');
    if (!RECORD_TYPES.includes(type)) throw validation(9000, `DNS record type "${type}" is invalid or not supported.`);
    if (typeof input.name !== 'string' || !input.name.trim()) throw validation(9005, 'DNS name is required.');
    const name = fullName(zone, input.name);
    const labels = name.replace(/^\*\./, '');
    if (!HOSTNAME.test(labels)) throw validation(9005, 'DNS name is invalid.');
    if (typeof input.content !== 'string' || !input.content) throw validation(9006, 'Content is required.');
    let content = input.content;
    if (type === 'A' && !isIPv4(content)) throw validation(9005, 'Content for A record must be a valid IPv4 address.');
    if (type === 'AAAA' && !isIPv6(content))
      throw validation(9006, 'Content for AAAA record must be a valid IPv6 address.');
    if (type === 'CNAME' || type === 'NS' || type === 'MX') {
      content = content.toLowerCase().replace(/\.$/, '');
      if (!HOSTNAME.test(content)) throw validation(9007, `Content for ${type} record is invalid.`);
    }
    if (type === 'TXT' && content.length > 4096) throw validation(9100, 'Content for TXT record is too long.');
    const ttl = input.ttl === undefined ? 1 : input.ttl;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || (ttl !== 1 && (ttl < 60 || ttl > 86400))) {
      throw validation(9021, 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.');
    }
    const proxied = input.proxied === undefined ? false : input.proxied;
    if (typeof proxied !== 'boolean') throw validation(9003, "Invalid 'proxied' value, must be a boolean.");
    if (proxied && !PROXIABLE.has(type)) throw validation(9004, 'This record type cannot be proxied.');
    let priority: number | undefined;
    if (type === 'MX') {
      if (
        typeof input.priority !== 'number' ||
        !Number.isInteger(input.priority) ||
        input.priority < 0 ||
        input.priority > 65535
      )
        throw validation(9101, 'MX records require a priority between 0 and 65535.');
      priority = input.priority;
    }
    const comment = input.comment === undefined || input.comment === null ? null : input.comment;
    if (comment !== null && (typeof comment !== 'string' || comment.length > 100))
      throw validation(9102, 'Comment must be a string of at most 100 characters.');
    const tags = input.tags === undefined ? [] : input.tags;
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
      throw validation(9103, 'Tags must be an array of strings.');

    for (const other of records.values()) {
      if (other.zoneId !== zone.id || other.id === existingId || other.name !== name) continue;
      if (other.type === type && other.content === content)
        throw new CloudflareError(400, [{ code: 81058, message: 'An identical record already exists.' }]);
      const addressOrCname = (t: string) => t === 'A' || t === 'AAAA' || t === 'CNAME';
      if ((type === 'CNAME' && addressOrCname(other.type)) || (other.type === 'CNAME' && addressOrCname(type))) {
        throw new CloudflareError(400, [
          { code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists.' },
        ]);
      }
      if (type === 'CNAME' || other.type === 'CNAME') {
        throw new CloudflareError(400, [{ code: 81054, message: 'A CNAME record with that host already exists.' }]);
      }
    }
    return { name, type, content, ttl, proxied, priority, comment: comment as string | null, tags: tags as string[] };
  }

  function authenticate(req: Request, res: Response, next: NextFunction): void {
    const auth = req.get('authorization');
    const serviceKey = req.get('x-auth-user-service-key');
    if (serviceKey && req.path.startsWith('/certificates')) {
      if (safeEqual(serviceKey, originCaKey)) return next();
      fail(res, new CloudflareError(403, [{ code: 10000, message: 'Authentication error' }]));
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
    if (!safeEqual(match[1], token)) {
      fail(res, new CloudflareError(403, [{ code: 10000, message: 'Authentication error' }]));
      return;
    }
    next();
  }

  function fail(res: Response, error: CloudflareError): void {
    res.status(error.status).json({ success: false, errors: error.errors, messages: [], result: null });
  }

  function handle(fn: (req: Request, res: Response) => unknown) {
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

  function page(req: Request, defaultPerPage: number, maxPerPage: number): { page: number; perPage: number } {
    const pageNum = req.query.page === undefined ? 1 : Number(req.query.page);
    const perPage = req.query.per_page === undefined ? defaultPerPage : Number(req.query.per_page);
    if (!Number.isInteger(pageNum) || pageNum < 1)
      throw new CloudflareError(400, [{ code: 1004, message: 'Invalid page: must be a positive integer.' }]);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > maxPerPage)
      throw new CloudflareError(400, [
        { code: 1004, message: `Invalid per_page: must be between 1 and ${maxPerPage}.` },
      ]);
    return { page: pageNum, perPage };
  }

  function paginate<T>(
    req: Request,
    items: T[],
    defaultPerPage: number,
    maxPerPage: number,
  ): [T[], Record<string, number>] {
    const { page: p, perPage } = page(req, defaultPerPage, maxPerPage);
    const slice = items.slice((p - 1) * perPage, p * perPage);
    return [
      slice,
      {
        page: p,
        per_page: perPage,
        count: slice.length,
        total_count: items.length,
        total_pages: Math.max(1, Math.ceil(items.length / perPage)),
      },
    ];
  }

  const query = (req: Request, key: string) => {
    const value = req.query[key];
    return typeof value === 'string' ? value : undefined;
  };

  function bodyOf(req: Request): Record<string, unknown> {
    const body = req.body as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new CloudflareError(400, [{ code: 9207, message: 'Request body is invalid.' }]);
    return body as Record<string, unknown>;
  }

  function hostnameAllowed(hostname: string): boolean {
    const h = hostname.toLowerCase();
    if (h.startsWith('*.')) {
      const rest = h.slice(2);
      if (rest.includes('*') || !rest.includes('.')) return false;
      return zones.some((z) => rest === z.name || rest.endsWith(`.${z.name}`));
    }
    if (h.includes('*') || !HOSTNAME.test(h)) return false;
    return zones.some((z) => h === z.name || h.endsWith(`.${z.name}`));
  }

  function certificateJson(c: OriginCertificate): Record<string, unknown> {
    return {
      id: c.id,
      certificate: c.certificate,
      hostnames: c.hostnames,
      expires_on: c.expires_on,
      request_type: c.request_type,
      requested_validity: c.requested_validity,
      csr: c.csr,
    };
  }

  const api = Router();
  api.use(authenticate);
  api.use(express.json({ limit: '256kb', type: () => true }));
  api.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err) fail(res, new CloudflareError(400, [{ code: 9207, message: 'Request body is invalid.' }]));
    else next();
  });

  api.get(
    '/user/tokens/verify',
    handle(() => envelope({ id: createHash('md5').update(token).digest('hex'), status: 'active' }, undefined)),
  );

  api.get(
    '/zones',
    handle((req) => {
      const name = query(req, 'name')?.toLowerCase();
      const status = query(req, 'status');
      const accountId = query(req, 'account.id');
      const matching = zones.filter(
        (z) =>
          (!name || z.name === name) && (!status || status === 'active') && (!accountId || accountId === ACCOUNT.id),
      );
      const [items, info] = paginate(req, matching, 20, 50);
      return envelope(items.map(zoneJson), info);
    }),
  );
  api.get(
    '/zones/:zoneId',
    handle((req) => envelope(zoneJson(getZone(String(req.params.zoneId), req.path)))),
  );

  api.get(
    '/zones/:zoneId/dns_records',
    handle((req) => {
      const zone = getZone(String(req.params.zoneId), req.path);
      const filters: Array<(r: DnsRecord) => boolean> = [];
      const nameExact = query(req, 'name') ?? query(req, 'name.exact');
      if (nameExact !== undefined) filters.push((r) => r.name === fullName(zone, nameExact));
      const nameContains = query(req, 'name.contains');
      if (nameContains) filters.push((r) => r.name.includes(nameContains.toLowerCase()));
      const nameStarts = query(req, 'name.startswith');
      if (nameStarts) filters.push((r) => r.name.startsWith(nameStarts.toLowerCase()));
      const nameEnds = query(req, 'name.endswith');
      if (nameEnds) filters.push((r) => r.name.endsWith(nameEnds.toLowerCase()));
      const type = query(req, 'type');
      if (type !== undefined) {
        if (!RECORD_TYPES.includes(type))
          throw new CloudflareError(400, [{ code: 1004, message: `Invalid type: ${type}` }]);
        filters.push((r) => r.type === type);
      }
      const content = query(req, 'content') ?? query(req, 'content.exact');
      if (content !== undefined) filters.push((r) => r.content === content);
      const proxied = query(req, 'proxied');
      if (proxied !== undefined) filters.push((r) => String(r.proxied) === proxied);
      const comment = query(req, 'comment') ?? query(req, 'comment.exact');
      if (comment !== undefined) filters.push((r) => r.comment === comment);
      const match = query(req, 'match') ?? 'all';
      if (match !== 'all' && match !== 'any')
        throw new CloudflareError(400, [{ code: 1004, message: 'Invalid match: must be "all" or "any".' }]);
      const order = query(req, 'order') ?? 'type';
      if (!['type', 'name', 'content', 'ttl', 'proxied'].includes(order))
        throw new CloudflareError(400, [{ code: 1004, message: `Invalid order: ${order}` }]);
      const direction = query(req, 'direction') ?? 'asc';
      const matching = [...records.values()]
        .filter((r) => r.zoneId === zone.id)
        .filter(
          (r) => filters.length === 0 || (match === 'all' ? filters.every((f) => f(r)) : filters.some((f) => f(r))),
        )
        .sort((a, b) => {
          const key = order as 'type' | 'name' | 'content' | 'ttl' | 'proxied';
          const cmp =
            String(a[key]).localeCompare(String(b[key])) ||
            a.name.localeCompare(b.name) ||
            a.created_on.localeCompare(b.created_on);
          return direction === 'desc' ? -cmp : cmp;
        });
      const [items, info] = paginate(req, matching, 100, 5_000_000);
      return envelope(items.map(recordJson), info);
    }),
  );

  api.post(
    '/zones/:zoneId/dns_records',
    handle((req) => {
      const zone = getZone(String(req.params.zoneId), req.path);
      const fields = validate(zone, bodyOf(req), null);
      const nowIso = cfTime(new Date());
      const record: DnsRecord = {
        id: randomBytes(16).toString('hex'),
        zoneId: zone.id,
        ...fields,
        created_on: nowIso,
        modified_on: nowIso,
      };
      records.set(record.id, record);
      return envelope(recordJson(record));
    }),
  );

  api.get(
    '/zones/:zoneId/dns_records/:id',
    handle((req) =>
      envelope(recordJson(getRecord(getZone(String(req.params.zoneId), req.path), String(req.params.id)))),
    ),
  );

  const overwrite = (partial: boolean) =>
    handle((req) => {
      const zone = getZone(String(req.params.zoneId), req.path);
      const record = getRecord(zone, String(req.params.id));
      const body = bodyOf(req);
      const merged = partial
        ? {
            type: record.type,
            name: record.name,
            content: record.content,
            ttl: record.ttl,
            proxied: record.proxied,
            priority: record.priority,
            comment: record.comment,
            tags: record.tags,
            ...body,
          }
        : body;
      const fields = validate(zone, merged, record.id);
      Object.assign(record, fields, { modified_on: cfTime(new Date()) });
      return envelope(recordJson(record));
    });
  api.put('/zones/:zoneId/dns_records/:id', overwrite(false));
  api.patch('/zones/:zoneId/dns_records/:id', overwrite(true));

  api.delete(
    '/zones/:zoneId/dns_records/:id',
    handle((req) => {
      const record = getRecord(getZone(String(req.params.zoneId), req.path), String(req.params.id));
      records.delete(record.id);
      return envelope({ id: record.id });
    }),
  );

  api.post(
    '/certificates',
    handle((req) => {
      const body = bodyOf(req);
      if (typeof body.csr !== 'string' || !body.csr.trim())
        throw new CloudflareError(400, [{ code: 1001, message: 'CSR is required.' }]);
      if (
        !Array.isArray(body.hostnames) ||
        body.hostnames.length === 0 ||
        !body.hostnames.every((h) => typeof h === 'string')
      ) {
        throw new CloudflareError(400, [{ code: 1002, message: 'At least one hostname is required.' }]);
      }
      if (body.hostnames.length > 100)
        throw new CloudflareError(400, [{ code: 1002, message: 'At most 100 hostnames are allowed.' }]);
      const requestType = body.request_type;
      if (requestType !== 'origin-rsa' && requestType !== 'origin-ecc') {
        throw new CloudflareError(400, [
          {
            code: 1003,
            message:
              'request_type must be one of origin-rsa or origin-ecc (keyless-certificate is not supported by the sandbox).',
          },
        ]);
      }
      const validity = body.requested_validity === undefined ? 5475 : body.requested_validity;
      if (typeof validity !== 'number' || !VALIDITIES.includes(validity)) {
        throw new CloudflareError(400, [
          { code: 1004, message: `requested_validity must be one of ${VALIDITIES.join(', ')}.` },
        ]);
      }
      const hostnames = (body.hostnames as string[]).map((h) => h.toLowerCase());
      for (const hostname of hostnames) {
        if (!hostnameAllowed(hostname)) {
          throw new CloudflareError(400, [
            {
              code: 1010,
              message: `Failed to validate requested hostname ${hostname}: This zone is either not part of your account, or you do not have access to it. Please contact support if using a multi-user organization.`,
            },
          ]);
        }
      }
      let csr;
      try {
        csr = parseCsr(body.csr);
      } catch (error) {
        throw new CloudflareError(400, [
          { code: 1013, message: `Failed to read certificate signing request: ${(error as Error).message}` },
        ]);
      }
      if ((requestType === 'origin-rsa') !== (csr.keyType === 'rsa')) {
        throw new CloudflareError(400, [
          { code: 1014, message: `The CSR key type (${csr.keyType}) does not match request_type ${requestType}.` },
        ]);
      }
      const issued = ca.issue(csr.spki, hostnames, validity);
      const cert: OriginCertificate = {
        id: issued.serial,
        certificate: issued.pem,
        hostnames,
        expires_on: goTime(issued.notAfter),
        request_type: requestType,
        requested_validity: validity,
        csr: body.csr,
      };
      certificates.set(cert.id, cert);
      return envelope(certificateJson(cert));
    }),
  );
  api.get(
    '/certificates',
    handle((req) => {
      const zoneId = query(req, 'zone_id');
      if (!zoneId) throw new CloudflareError(400, [{ code: 1004, message: 'zone_id is required.' }]);
      const zone = getZone(zoneId, req.path);
      const matching = [...certificates.values()].filter(
        (c) =>
          !c.revoked_at && c.hostnames.some((h) => h.replace(/^\*\./, '') === zone.name || h.endsWith(`.${zone.name}`)),
      );
      const [items, info] = paginate(req, matching, 20, 50);
      return envelope(items.map(certificateJson), info);
    }),
  );
  const getCertificate = (id: string) => {
    const cert = certificates.get(id);
    if (!cert || cert.revoked_at) throw new CloudflareError(404, [{ code: 1005, message: 'Certificate not found.' }]);
    return cert;
  };
  api.get(
    '/certificates/:id',
    handle((req) => envelope(certificateJson(getCertificate(String(req.params.id))))),
  );
  api.delete(
    '/certificates/:id',
    handle((req) => {
      const cert = getCertificate(String(req.params.id));
      cert.revoked_at = cfTime(new Date());
      return envelope({ id: cert.id, revoked_at: cert.revoked_at });
    }),
  );

  api.use((_req, res) => fail(res, new CloudflareError(404, [{ code: 7000, message: 'No route for that URI' }])));

  return {
    prefix: '/cloudflare',
    originCa: ca,
    zoneId: (name) => zones.find((z) => z.name === name.toLowerCase())?.id,
    proxiedOrigin: (hostname) =>
      [...records.values()].find(
        (r) => r.proxied && (r.type === 'A' || r.type === 'AAAA') && r.name === hostname.toLowerCase(),
      )?.content,
    router: () => {
      const router = Router();
      router.get('/_test/ca.pem', (_req, res) => {
        res.type('application/x-pem-file').send(ca.certificatePem);
      });
      router.get('/_test/zones', (_req, res) => {
        res.json(zones.map((z) => ({ id: z.id, name: z.name })));
      });
      router.use('/client/v4', api);
      router.use((_req, res) =>
        fail(res, new CloudflareError(404, [{ code: 7000, message: 'No route for that URI' }])),
      );
      return router;
    },
  };
}

function loadOrCreateCa(dir: string | undefined): OriginCa {
  if (!dir) return new OriginCa();
  const keyPath = join(dir, 'origin-ca.key.pem');
  const certPath = join(dir, 'origin-ca.pem');
  if (existsSync(keyPath) && existsSync(certPath)) {
    return new OriginCa({ keyPem: readFileSync(keyPath, 'utf8'), certificatePem: readFileSync(certPath, 'utf8') });
  }
  const ca = new OriginCa();
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyPath, ca.keyPem, { mode: 0o600 });
  writeFileSync(certPath, ca.certificatePem);
  return ca;
}

/** SANDBOX_CLOUDFLARE_ZONE (comma-separated), SANDBOX_CLOUDFLARE_API_TOKEN, SANDBOX_CLOUDFLARE_ORIGIN_CA_KEY, SANDBOX_CLOUDFLARE_CA_DIR. */
export function cloudflareOptionsFromEnv(env: NodeJS.ProcessEnv): CloudflareStandInOptions {
  const zones = (env.SANDBOX_CLOUDFLARE_ZONE ?? '')
    .split(',')
    .map((z) => z.trim())
    .filter(Boolean);
  return {
    zones: zones.length ? zones : undefined,
    apiToken: env.SANDBOX_CLOUDFLARE_API_TOKEN || undefined,
    originCaKey: env.SANDBOX_CLOUDFLARE_ORIGIN_CA_KEY || undefined,
    caDir: env.SANDBOX_CLOUDFLARE_CA_DIR || undefined,
  };
}
