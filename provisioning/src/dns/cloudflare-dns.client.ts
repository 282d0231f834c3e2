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
 * Cloudflare's answers to a create of a record that is already there: 81057 "Record already
 * exists." and 81058 "An identical record already exists." (HTTP 400, v4 error envelope).
 */
const RECORD_EXISTS_CODES: ReadonlySet<number> = new Set([81057, 81058]);
/** Cloudflare's answer to a request on a record id that is gone. */
const RECORD_NOT_FOUND_CODE = 81044;

export type UpsertAction = 'created' | 'updated' | 'unchanged';

const alreadyExists = (error: unknown): boolean =>
  error instanceof Cloudflare.APIError &&
  error.errors.some((e) => e.code !== undefined && RECORD_EXISTS_CODES.has(e.code));

/** No answer, or one that does not say whether the request was applied (timeout, 409 lock, 5xx). */
const outcomeUnknown = (error: unknown): boolean =>
  error instanceof Cloudflare.APIConnectionError ||
  (error instanceof Cloudflare.APIError &&
    typeof error.status === 'number' &&
    (error.status === 408 || error.status === 409 || error.status >= 500));

/**
 * The node's DNS record `<slug>.<zone>` through the official Cloudflare SDK: looked up by
 * name before anything is created, updated in place when it exists, never duplicated.
 *
 * Retries, one layer per request. Lists, updates and deletes by id are safe to repeat, so
 * the SDK retries them (`maxRetries: 2`, with its backoff and `Retry-After`). A create is not:
 * Cloudflare has no idempotency key, and a create re-sent after a lost response finds its
 * own first copy (81057/81058). So the SDK never re-sends a create (`maxRetries: 0` on that
 * request); the layer that retries it is the provisioning step's job retry, which starts
 * again from the lookup. Within one call, a create that failed with an unknown outcome or
 * "already exists" is settled by looking the name up again: the record found is reconciled
 * (updated if its settings differ); only if none is there does the error go up.
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
  async upsert(name: string, address: string): Promise<{ record: DnsRecordRef; action: UpsertAction }> {
    const type = isIPv6(address) ? 'AAAA' : 'A';
    const body = this.recordBody(name, type, address);
    const settled = await this.reconcile(await this.find(name), body);
    if (settled) return settled;
    try {
      const created = await this.client.dns.records.create(body, { maxRetries: 0 });
      return { record: { id: created.id, name, type, content: address, proxied: true }, action: 'created' };
    } catch (error) {
      if (!alreadyExists(error) && !outcomeUnknown(error)) throw error;
      // Our create may have been applied (its answer lost), or another writer made the record.
      const found = await this.reconcile(await this.find(name), body);
      if (!found) throw error;
      return { record: found.record, action: found.action === 'unchanged' ? 'created' : 'updated' };
    }
  }

  /** Deletes every A/AAAA record with this name; returns how many were removed. */
  async remove(name: string): Promise<number> {
    const existing = await this.find(name);
    for (const record of existing) await this.deleteRecord(record.id);
    return existing.length;
  }

  private recordBody(name: string, type: 'A' | 'AAAA', address: string) {
    return {
      zone_id: this.zoneId(),
      name,
      type,
      content: address,
      proxied: true,
      ttl: 1,
      comment: 'enclave agent node',
    } as const;
  }

  /**
   * Keeps one record of the wanted type (the one with the wanted address if there is one),
   * deletes every other, and updates the kept one when its address or proxying differ.
   * Null when no record of that type was there (the caller creates it).
   */
  private async reconcile(
    existing: DnsRecordRef[],
    body: ReturnType<CloudflareDnsClient['recordBody']>,
  ): Promise<{ record: DnsRecordRef; action: UpsertAction } | null> {
    const { name, type, content } = body;
    const sameType = existing.filter((r) => r.type === type);
    const keep = sameType.find((r) => r.content === content) ?? sameType[0];
    const strays = existing.filter((r) => r !== keep);
    for (const stray of strays) await this.deleteRecord(stray.id);
    if (!keep) return null;
    if (keep.content === content && keep.proxied)
      return { record: keep, action: strays.length ? 'updated' : 'unchanged' };
    const updated = await this.client.dns.records.update(keep.id, body);
    return { record: { id: updated.id, name, type, content, proxied: true }, action: 'updated' };
  }

  /** A record already gone (e.g. a repeated delete whose first answer was lost) is fine. */
  private async deleteRecord(id: string): Promise<void> {
    try {
      await this.client.dns.records.delete(id, { zone_id: this.zoneId() });
    } catch (error) {
      if (error instanceof Cloudflare.NotFoundError && error.errors.some((e) => e.code === RECORD_NOT_FOUND_CODE))
        return;
      throw error;
    }
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
