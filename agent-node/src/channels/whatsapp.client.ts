import { requestJson, type HttpResponse } from '../http/http-client';
import { ChannelSendError } from './channel-sender';

/** WhatsApp Cloud API (Graph API) over fetch. Base URL and version come from the config. */
export class WhatsAppClient {
  constructor(
    private readonly baseUrl: string,
    private readonly version: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async sendText(
    accessToken: string,
    phoneNumberId: string,
    to: string,
    text: string,
    replyToExternalId?: string | null,
  ): Promise<string> {
    const body: Record<string, unknown> = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'text',
      text: { preview_url: false, body: text },
    };
    if (replyToExternalId) body.context = { message_id: replyToExternalId };
    const json = (await this.request(
      accessToken,
      'POST',
      `/${this.version}/${encodeURIComponent(phoneNumberId)}/messages`,
      body,
    )) as { messages?: { id?: string }[] };
    const id = json.messages?.[0]?.id;
    if (!id) throw new ChannelSendError('whatsapp_bad_response', true);
    return id;
  }

  private async request(accessToken: string, method: string, path: string, body?: unknown): Promise<unknown> {
    let res: HttpResponse;
    try {
      res = await requestJson({
        method,
        url: `${this.baseUrl}${path}`,
        headers: { authorization: `Bearer ${accessToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        timeoutMs: this.timeoutMs,
      });
    } catch {
      throw new ChannelSendError('whatsapp_network_error', true);
    }
    const json = (res.json ?? {}) as { error?: { code?: number } };
    if (res.status < 200 || res.status >= 300) {
      const code = json.error?.code;
      throw new ChannelSendError(
        `whatsapp_http_${res.status}${code ? `_${code}` : ''}`,
        res.status === 429 || res.status >= 500 || code === 4 || code === 80007 || code === 130429,
      );
    }
    return json;
  }
}
