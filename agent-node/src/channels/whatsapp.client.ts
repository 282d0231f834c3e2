import type { WhatsAppWindowTemplate } from '@enclave/node-protocol';
import { requestJson, type HttpResponse } from '../http/http-client';
import { ChannelSendError } from './channel-sender';

/** WhatsApp Cloud API (Graph API) over node:http. Base URL and version come from the config. */
export class WhatsAppClient {
  constructor(
    private readonly baseUrl: string,
    private readonly version: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** A free-form text message (only within the 24-hour window; outside it the API answers 131047). */
  sendText(
    accessToken: string,
    phoneNumberId: string,
    to: string,
    text: string,
    replyToExternalId?: string | null,
  ): Promise<string> {
    return this.sendMessage(accessToken, phoneNumberId, {
      to,
      type: 'text',
      text: { preview_url: false, body: text },
      ...(replyToExternalId ? { context: { message_id: replyToExternalId } } : {}),
    });
  }

  /** An approved message template without variables: what may be sent outside the window. */
  sendTemplate(accessToken: string, phoneNumberId: string, to: string, template: WhatsAppWindowTemplate) {
    return this.sendMessage(accessToken, phoneNumberId, {
      to,
      type: 'template',
      template: { name: template.name, language: { code: template.language } },
    });
  }

  private async sendMessage(accessToken: string, phoneNumberId: string, message: object): Promise<string> {
    const json = (await this.request(
      accessToken,
      'POST',
      `/${this.version}/${encodeURIComponent(phoneNumberId)}/messages`,
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        ...message,
      },
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
      const code = typeof json.error?.code === 'number' ? json.error.code : undefined;
      throw new ChannelSendError(
        `whatsapp_http_${res.status}${code ? `_${code}` : ''}`,
        res.status === 429 || res.status >= 500 || code === 4 || code === 80007 || code === 130429,
        undefined,
        code,
      );
    }
    return json;
  }
}
