import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Request, Router } from 'express';
import { bodyOf, cfTime, CloudflareError, envelope, handle, paginate, query } from './cloudflare-api';
import { HOSTNAME, type Zone, type Zones } from './cloudflare-zones';

/**
 * DNS records (https://developers.cloudflare.com/api/resources/dns/subresources/records/),
 * validated as Cloudflare does: a bad value gets 1004 "DNS Validation Error" with the reason
 * in its error_chain, a clash with another record 81053 / 81054 / 81058.
 */

export interface DnsRecord {
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

type RecordFields = Omit<DnsRecord, 'id' | 'zoneId' | 'created_on' | 'modified_on'>;

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'CAA', 'SRV'];
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);
const ORDERS = ['type', 'name', 'content', 'ttl', 'proxied'] as const;

const validation = (code: number, message: string) =>
  new CloudflareError(400, [{ code: 1004, message: 'DNS Validation Error', error_chain: [{ code, message }] }]);

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

/** Cloudflare reads names without the zone suffix as relative to the zone; "@" is the apex. */
function fullName(zone: Zone, raw: string): string {
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (name === '@' || name === '') return zone.name;
  if (name === zone.name || name.endsWith(`.${zone.name}`)) return name;
  return `${name}.${zone.name}`;
}

/** Checks each field of a whole record (a PATCH is applied onto the stored one first). */
function validFields(zone: Zone, input: Record<string, unknown>): RecordFields {
  const type = input.type;
  if (typeof type !== 'string' || !type) throw validation(9000, 'DNS record type is required.');
  if (!RECORD_TYPES.includes(type)) throw validation(9000, `DNS record type "${type}" is invalid or not supported.`);
  if (typeof input.name !== 'string' || !input.name.trim()) throw validation(9005, 'DNS name is required.');
  const name = fullName(zone, input.name);
  if (!HOSTNAME.test(name.replace(/^\*\./, ''))) throw validation(9005, 'DNS name is invalid.');
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
    const p = input.priority;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535)
      throw validation(9101, 'MX records require a priority between 0 and 65535.');
    priority = p;
  }
  const comment = input.comment === undefined || input.comment === null ? null : input.comment;
  if (comment !== null && (typeof comment !== 'string' || comment.length > 100))
    throw validation(9102, 'Comment must be a string of at most 100 characters.');
  const tags = input.tags === undefined ? [] : input.tags;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
    throw validation(9103, 'Tags must be an array of strings.');
  return { name, type, content, ttl, proxied, priority, comment: comment as string | null, tags: tags as string[] };
}

/** Refuses a record that clashes with another one of the zone (identical, or CNAME beside anything). */
function checkConflicts(records: Map<string, DnsRecord>, zone: Zone, fields: RecordFields, ownId: string | null) {
  const { name, type, content } = fields;
  const addressOrCname = (t: string) => t === 'A' || t === 'AAAA' || t === 'CNAME';
  for (const other of records.values()) {
    if (other.zoneId !== zone.id || other.id === ownId || other.name !== name) continue;
    if (other.type === type && other.content === content)
      throw new CloudflareError(400, [{ code: 81058, message: 'An identical record already exists.' }]);
    if ((type === 'CNAME' && addressOrCname(other.type)) || (other.type === 'CNAME' && addressOrCname(type))) {
      throw new CloudflareError(400, [
        { code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists.' },
      ]);
    }
    if (type === 'CNAME' || other.type === 'CNAME') {
      throw new CloudflareError(400, [{ code: 81054, message: 'A CNAME record with that host already exists.' }]);
    }
  }
}

/** The list endpoint's filters, as the SDK sends them (`name.contains`, `match=any`, …). */
function listFilter(zone: Zone, req: Request): (r: DnsRecord) => boolean {
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
  return (r) => filters.length === 0 || (match === 'all' ? filters.every((f) => f(r)) : filters.some((f) => f(r)));
}

/** Validates and stores a new record, as `POST /zones/:zone_id/dns_records` does (and the test faults). */
export function createRecord(records: Map<string, DnsRecord>, zone: Zone, input: Record<string, unknown>): DnsRecord {
  const fields = validFields(zone, input);
  checkConflicts(records, zone, fields, null);
  const nowIso = cfTime(new Date());
  const record: DnsRecord = {
    id: randomBytes(16).toString('hex'),
    zoneId: zone.id,
    ...fields,
    created_on: nowIso,
    modified_on: nowIso,
  };
  records.set(record.id, record);
  return record;
}

export function dnsRoutes(api: Router, zones: Zones, records: Map<string, DnsRecord>): void {
  const getRecord = (zone: Zone, id: string): DnsRecord => {
    const record = records.get(id);
    if (!record || record.zoneId !== zone.id)
      throw new CloudflareError(404, [{ code: 81044, message: 'Record does not exist.' }]);
    return record;
  };
  const validate = (zone: Zone, input: Record<string, unknown>, ownId: string | null): RecordFields => {
    const fields = validFields(zone, input);
    checkConflicts(records, zone, fields, ownId);
    return fields;
  };

  api.get(
    '/zones/:zoneId/dns_records',
    handle((req) => {
      const zone = zones.get(String(req.params.zoneId), req.path);
      const matches = listFilter(zone, req);
      const order = (query(req, 'order') ?? 'type') as (typeof ORDERS)[number];
      if (!ORDERS.includes(order)) throw new CloudflareError(400, [{ code: 1004, message: `Invalid order: ${order}` }]);
      const direction = query(req, 'direction') ?? 'asc';
      const matching = [...records.values()]
        .filter((r) => r.zoneId === zone.id && matches(r))
        .sort((a, b) => {
          const cmp =
            String(a[order]).localeCompare(String(b[order])) ||
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
    handle((req) =>
      envelope(recordJson(createRecord(records, zones.get(String(req.params.zoneId), req.path), bodyOf(req)))),
    ),
  );

  api.get(
    '/zones/:zoneId/dns_records/:id',
    handle((req) =>
      envelope(recordJson(getRecord(zones.get(String(req.params.zoneId), req.path), String(req.params.id)))),
    ),
  );

  /** PUT replaces the record, PATCH merges the given fields onto it. */
  const overwrite = (partial: boolean) =>
    handle((req) => {
      const zone = zones.get(String(req.params.zoneId), req.path);
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
      const record = getRecord(zones.get(String(req.params.zoneId), req.path), String(req.params.id));
      records.delete(record.id);
      return envelope({ id: record.id });
    }),
  );
}
