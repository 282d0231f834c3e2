import { isIPv6 } from 'node:net';
import Cloudflare from 'cloudflare';

export interface CloudflareSettings {
  readonly apiUrl: string;
  readonly apiToken?: string;
  readonly zoneId?: string;
  /** Origin CA key ("user service key") for /certificates. */
  readonly originCaKey?: string;
}

export interface DnsRecordRef {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly proxied: boolean;
}

export class CloudflareNotConfiguredError extends Error {
  constructor(what: string) {
    super(`Cloudflare is not configured: set ${what}`);
    this.name = 'CloudflareNotConfiguredError';
  }
}

/**
 * The node's DNS record `<slug>.<zone>` through the official Cloudflare SDK: looked up by
 * name before anything is created, updated in place when it exists, never duplicated.
 */
export class CloudflareDnsClient {
  private readonly client: Cloudflare;

  constructor(private readonly settings: CloudflareSettings) {
    this.client = new Cloudflare({
      apiToken: settings.apiToken ?? null,
      baseURL: settings.apiUrl,
      maxRetries: 2,
      timeout: 20_000,
    });
  }

  private zoneId(): string {
    if (!this.settings.apiToken || !this.settings.zoneId)
      throw new CloudflareNotConfiguredError('CLOUDFLARE_API_TOKEN and CLOUDFLARE_ZONE_ID');
    return this.settings.zoneId;
  }

  /** Every A/AAAA record with exactly this name. */
  async find(name: string): Promise<DnsRecordRef[]> {
    const zone_id = this.zoneId();
    const found: DnsRecordRef[] = [];
    for await (const record of this.client.dns.records.list({ zone_id, name: { exact: name } })) {
      if (record.type !== 'A' && record.type !== 'AAAA') continue;
      found.push({
        id: record.id,
        name: record.name,
        type: record.type,
        content: String(record.content ?? ''),
        proxied: !!record.proxied,
      });
    }
    return found;
  }

  /** Creates or updates the record so that `name` points (proxied) at `address`; removes strays. */
  async upsert(
    name: string,
    address: string,
  ): Promise<{ record: DnsRecordRef; action: 'created' | 'updated' | 'unchanged' }> {
    const zone_id = this.zoneId();
    const type = isIPv6(address) ? 'AAAA' : 'A';
    const existing = await this.find(name);
    const keep = existing.find((r) => r.type === type) ?? existing[0];
    // Duplicates left by someone else, or a record of the other address family: remove them.
    const strays = existing.filter((r) => r !== keep);
    for (const stray of strays) await this.client.dns.records.delete(stray.id, { zone_id });
    if (keep && keep.type === type && keep.content === address && keep.proxied)
      return { record: keep, action: strays.length ? 'updated' : 'unchanged' };
    const body = {
      zone_id,
      name,
      type,
      content: address,
      proxied: true,
      ttl: 1,
      comment: 'enclave agent node',
    } as const;
    if (keep && keep.type === type) {
      const updated = await this.client.dns.records.update(keep.id, body);
      return { record: { id: updated.id, name, type, content: address, proxied: true }, action: 'updated' };
    }
    if (keep) await this.client.dns.records.delete(keep.id, { zone_id });
    const created = await this.client.dns.records.create(body);
    return { record: { id: created.id, name, type, content: address, proxied: true }, action: 'created' };
  }

  /** Deletes every A/AAAA record with this name; returns how many were removed. */
  async remove(name: string): Promise<number> {
    const zone_id = this.zoneId();
    const existing = await this.find(name);
    for (const record of existing) await this.client.dns.records.delete(record.id, { zone_id });
    return existing.length;
  }
}

export interface IssuedCertificate {
  readonly id: string;
  readonly certificate: string;
  readonly expiresOn: string | null;
}

/** Cloudflare Origin CA: certificates for the node's origin endpoint, from a CSR made on the host. */
export class OriginCaClient {
  private readonly client: Cloudflare;

  constructor(private readonly settings: CloudflareSettings) {
    this.client = new Cloudflare({
      userServiceKey: settings.originCaKey ?? null,
      apiToken: settings.originCaKey ? null : (settings.apiToken ?? null),
      baseURL: settings.apiUrl,
      maxRetries: 2,
      timeout: 20_000,
    });
  }

  async issue(
    csr: string,
    hostnames: string[],
    validityDays: 7 | 30 | 90 | 365 | 730 | 1095 | 5475 = 5475,
  ): Promise<IssuedCertificate> {
    if (!this.settings.originCaKey && !this.settings.apiToken)
      throw new CloudflareNotConfiguredError('CLOUDFLARE_ORIGIN_CA_KEY (or CLOUDFLARE_API_TOKEN)');
    const issued = await this.client.originCACertificates.create({
      csr,
      hostnames,
      request_type: 'origin-ecc',
      requested_validity: validityDays,
    });
    if (!issued.id || !issued.certificate) throw new Error('Origin CA answered without a certificate');
    return { id: issued.id, certificate: issued.certificate, expiresOn: issued.expires_on ?? null };
  }

  async revoke(id: string): Promise<void> {
    try {
      await this.client.originCACertificates.delete(id);
    } catch (error) {
      if (error instanceof Cloudflare.NotFoundError) return; // already revoked
      throw error;
    }
  }
}
