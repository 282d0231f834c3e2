import { createHash } from 'node:crypto';
import type { Router } from 'express';
import { cfTime, CloudflareError, envelope, handle, paginate, query } from './cloudflare-api';

/** The account's zones (https://developers.cloudflare.com/api/resources/zones/): fixed at start, read-only. */

const ACCOUNT = {
  id: createHash('md5').update('enclave-sandbox-account').digest('hex'),
  name: 'Enclave sandbox',
};

/** A valid host name (labels of letters, digits, '-' and '_'). */
export const HOSTNAME = /^(?=.{1,253}$)(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export interface Zone {
  id: string;
  name: string;
  created_on: string;
}

export class Zones {
  readonly list: Zone[];

  constructor(names: readonly string[]) {
    const created = cfTime(new Date());
    this.list = names.map((name) => ({
      // Derived from the name, so a configured CLOUDFLARE_ZONE_ID stays right across restarts.
      id: createHash('md5').update(`zone:${name.toLowerCase()}`).digest('hex'),
      name: name.toLowerCase(),
      created_on: created,
    }));
  }

  byName(name: string): Zone | undefined {
    return this.list.find((z) => z.name === name.toLowerCase());
  }

  /** The zone, or the error Cloudflare gives for a malformed (400) or unknown (404) identifier. */
  get(id: string, path: string): Zone {
    const zone = this.list.find((z) => z.id === id);
    if (zone) return zone;
    if (!/^[0-9a-f]{32}$/.test(id)) {
      throw new CloudflareError(400, [
        { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` },
        { code: 7000, message: 'No route for that URI' },
      ]);
    }
    throw new CloudflareError(404, [{ code: 1001, message: 'Invalid zone identifier' }]);
  }

  /** Whether the host name (no wildcard) is a zone of the account or inside one. */
  covers(hostname: string): boolean {
    return this.list.some((z) => hostname === z.name || hostname.endsWith(`.${z.name}`));
  }
}

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

export function zoneRoutes(api: Router, zones: Zones): void {
  api.get(
    '/zones',
    handle((req) => {
      const name = query(req, 'name')?.toLowerCase();
      const status = query(req, 'status');
      const accountId = query(req, 'account.id');
      const matching = zones.list.filter(
        (z) =>
          (!name || z.name === name) && (!status || status === 'active') && (!accountId || accountId === ACCOUNT.id),
      );
      const [items, info] = paginate(req, matching, 20, 50);
      return envelope(items.map(zoneJson), info);
    }),
  );
  api.get(
    '/zones/:zoneId',
    handle((req) => envelope(zoneJson(zones.get(String(req.params.zoneId), req.path)))),
  );
}
