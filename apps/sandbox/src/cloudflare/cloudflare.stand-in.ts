import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { StandIn } from '../sandbox';
import { authenticate, CloudflareError, envelope, fail, handle, noRoute } from './cloudflare-api';
import { certificateRoutes, loadOrCreateCa } from './cloudflare-certificates';
import { type DnsRecord, dnsRoutes } from './cloudflare-dns';
import { CreateFaults } from './cloudflare-faults';
import { zoneRoutes, Zones } from './cloudflare-zones';
import type { OriginCa } from './origin-ca';

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
 *   POST   /cloudflare/_test/faults                       fault the next DNS record create (cloudflare-faults.ts)
 *   GET    /cloudflare/_test/faults                       faults not yet used, DNS creates received
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

export interface CloudflareStandIn extends StandIn {
  readonly originCa: OriginCa;
  zoneId(name: string): string | undefined;
  /** Origin address of a proxied A/AAAA record with this name (what the edge connects to). */
  proxiedOrigin(hostname: string): string | undefined;
}

export function cloudflareStandIn(options: CloudflareStandInOptions = {}): CloudflareStandIn {
  const token = options.apiToken ?? CLOUDFLARE_DEFAULT_TOKEN;
  const zones = new Zones(options.zones?.length ? options.zones : ['enclave.test']);
  const records = new Map<string, DnsRecord>();
  const ca = loadOrCreateCa(options.caDir);
  const faults = new CreateFaults(zones, records);

  const api = Router();
  api.use(authenticate(token, options.originCaKey ?? CLOUDFLARE_DEFAULT_ORIGIN_CA_KEY));
  api.use(express.json({ limit: '256kb', type: () => true }));
  api.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err) fail(res, new CloudflareError(400, [{ code: 9207, message: 'Request body is invalid.' }]));
    else next();
  });
  api.get(
    '/user/tokens/verify',
    handle(() => envelope({ id: createHash('md5').update(token).digest('hex'), status: 'active' })),
  );
  zoneRoutes(api, zones);
  api.post('/zones/:zoneId/dns_records', faults.beforeCreate);
  dnsRoutes(api, zones, records);
  certificateRoutes(api, zones, ca);
  api.use((_req, res) => fail(res, noRoute()));

  return {
    prefix: '/cloudflare',
    originCa: ca,
    zoneId: (name) => zones.byName(name)?.id,
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
        res.json(zones.list.map((z) => ({ id: z.id, name: z.name })));
      });
      faults.routes(router);
      router.use('/client/v4', api);
      router.use((_req, res) => fail(res, noRoute()));
      return router;
    },
  };
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
