import { createHash } from 'node:crypto';

export interface OvhcloudSettings {
  readonly apiUrl: string;
  readonly applicationKey?: string;
  readonly applicationSecret?: string;
  readonly consumerKey?: string;
}

export class OvhcloudApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'OvhcloudApiError';
  }
}

/**
 * The OVHcloud API with its documented request signing: every call carries
 * X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp (server time, from GET /auth/time) and
 * X-Ovh-Signature = "$1$" + SHA1(AS + "+" + CK + "+" + METHOD + "+" + URL + "+" + BODY + "+" + TIMESTAMP).
 */
export class OvhcloudClient {
  private timeDelta: number | undefined;

  constructor(private readonly settings: OvhcloudSettings) {}

  private credentials(): { ak: string; as: string; ck: string } {
    const { applicationKey: ak, applicationSecret: as, consumerKey: ck } = this.settings;
    if (!ak || !as || !ck)
      throw new Error(
        'OVHcloud is not configured: set OVHCLOUD_APPLICATION_KEY, OVHCLOUD_APPLICATION_SECRET and OVHCLOUD_CONSUMER_KEY',
      );
    return { ak, as, ck };
  }

  private url(path: string): string {
    return `${this.settings.apiUrl.replace(/\/+$/, '')}${path}`;
  }

  private async serverTime(): Promise<number> {
    if (this.timeDelta === undefined) {
      const response = await fetch(this.url('/auth/time'), { signal: AbortSignal.timeout(15_000) });
      if (!response.ok)
        throw new OvhcloudApiError(response.status, undefined, `GET /auth/time answered ${response.status}`);
      const serverTime = Number(await response.text());
      this.timeDelta = serverTime - Math.floor(Date.now() / 1000);
    }
    return Math.floor(Date.now() / 1000) + this.timeDelta;
  }

  static signature(
    applicationSecret: string,
    consumerKey: string,
    method: string,
    url: string,
    body: string,
    timestamp: number,
  ): string {
    return `$1$${createHash('sha1')
      .update([applicationSecret, consumerKey, method, url, body, String(timestamp)].join('+'))
      .digest('hex')}`;
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown): Promise<T> {
    const { ak, as, ck } = this.credentials();
    const url = this.url(path);
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const timestamp = await this.serverTime();
    const response = await fetch(url, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-ovh-application': ak,
        'x-ovh-consumer': ck,
        'x-ovh-timestamp': String(timestamp),
        'x-ovh-signature': OvhcloudClient.signature(as, ck, method, url, body, timestamp),
      },
      body: body || undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const error = json as { message?: string; errorCode?: string } | null;
      throw new OvhcloudApiError(
        response.status,
        error?.errorCode,
        `OVHcloud ${method} ${path} answered ${response.status}: ${error?.message ?? text.slice(0, 200)}`,
      );
    }
    return json as T;
  }
}
