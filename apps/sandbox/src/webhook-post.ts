import type { OutboundFetch } from './edge/cloudflare-edge';

/** What the messaging stand-ins (Telegram, WhatsApp) share when they call a bot's webhook. */

/** The webhook's HTTP status, or the network failing. */
export type DeliveryStatus = number | 'network_error';

/** POSTs a JSON body with a 10 s timeout, as the providers do; the answer's body is read and dropped. */
export async function postWebhook(
  outbound: OutboundFetch,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<DeliveryStatus> {
  try {
    const res = await outbound(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  } catch {
    return 'network_error';
  }
}

export function delivered(status: DeliveryStatus): boolean {
  return typeof status === 'number' && status >= 200 && status < 300;
}
