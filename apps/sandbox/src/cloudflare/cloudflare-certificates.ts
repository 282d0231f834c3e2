import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Router } from 'express';
import { bodyOf, cfTime, CloudflareError, envelope, handle, paginate, query } from './cloudflare-api';
import { HOSTNAME, type Zones } from './cloudflare-zones';
import { OriginCa, parseCsr } from './origin-ca';

/**
 * Origin CA certificates (https://developers.cloudflare.com/api/resources/origin_ca_certificates/):
 * the CSR is signed by the sandbox's own CA for host names inside the account's zones.
 */

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

const VALIDITIES = [7, 30, 90, 365, 730, 1095, 5475];

/** "2014-01-01 05:20:00 +0000 UTC", the Origin CA expires_on format. */
function goTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** The CA kept in `dir` (made there on first start), or a new one per instance without a dir. */
export function loadOrCreateCa(dir: string | undefined): OriginCa {
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

/** A host name (or `*.` wildcard of one) inside a zone of the account. */
function hostnameAllowed(zones: Zones, hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h.startsWith('*.')) {
    const rest = h.slice(2);
    if (rest.includes('*') || !rest.includes('.')) return false;
    return zones.covers(rest);
  }
  if (h.includes('*') || !HOSTNAME.test(h)) return false;
  return zones.covers(h);
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

const badRequest = (code: number, message: string) => new CloudflareError(400, [{ code, message }]);

/** The request's host names, request type and validity, checked as Cloudflare does. */
function certificateRequest(zones: Zones, body: Record<string, unknown>) {
  if (typeof body.csr !== 'string' || !body.csr.trim()) throw badRequest(1001, 'CSR is required.');
  const names = body.hostnames;
  if (!Array.isArray(names) || names.length === 0 || !names.every((h) => typeof h === 'string'))
    throw badRequest(1002, 'At least one hostname is required.');
  if (names.length > 100) throw badRequest(1002, 'At most 100 hostnames are allowed.');
  const requestType = body.request_type;
  if (requestType !== 'origin-rsa' && requestType !== 'origin-ecc') {
    throw badRequest(
      1003,
      'request_type must be one of origin-rsa or origin-ecc (keyless-certificate is not supported by the sandbox).',
    );
  }
  const validity = body.requested_validity === undefined ? 5475 : body.requested_validity;
  if (typeof validity !== 'number' || !VALIDITIES.includes(validity))
    throw badRequest(1004, `requested_validity must be one of ${VALIDITIES.join(', ')}.`);
  const hostnames = (names as string[]).map((h) => h.toLowerCase());
  for (const hostname of hostnames) {
    if (!hostnameAllowed(zones, hostname)) {
      throw badRequest(
        1010,
        `Failed to validate requested hostname ${hostname}: This zone is either not part of your account, or you do not have access to it. Please contact support if using a multi-user organization.`,
      );
    }
  }
  return { csr: body.csr, hostnames, requestType, validity };
}

export function certificateRoutes(api: Router, zones: Zones, ca: OriginCa): void {
  const certificates = new Map<string, OriginCertificate>();

  api.post(
    '/certificates',
    handle((req) => {
      const { csr: csrPem, hostnames, requestType, validity } = certificateRequest(zones, bodyOf(req));
      let csr;
      try {
        csr = parseCsr(csrPem);
      } catch (error) {
        throw badRequest(1013, `Failed to read certificate signing request: ${(error as Error).message}`);
      }
      if ((requestType === 'origin-rsa') !== (csr.keyType === 'rsa'))
        throw badRequest(1014, `The CSR key type (${csr.keyType}) does not match request_type ${requestType}.`);
      const issued = ca.issue(csr.spki, hostnames, validity);
      const cert: OriginCertificate = {
        id: issued.serial,
        certificate: issued.pem,
        hostnames,
        expires_on: goTime(issued.notAfter),
        request_type: requestType,
        requested_validity: validity,
        csr: csrPem,
      };
      certificates.set(cert.id, cert);
      return envelope(certificateJson(cert));
    }),
  );
  api.get(
    '/certificates',
    handle((req) => {
      const zoneId = query(req, 'zone_id');
      if (!zoneId) throw badRequest(1004, 'zone_id is required.');
      const zone = zones.get(zoneId, req.path);
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
}
