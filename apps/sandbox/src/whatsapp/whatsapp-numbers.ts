import { createHmac } from 'node:crypto';
import { StandInTimers } from '../helpers';
import type { OutboundFetch } from '../edge/cloudflare-edge';
import { delivered, type DeliveryStatus, postWebhook } from '../webhook-post';

/** The business phone numbers registered in the sandbox, and webhook delivery the way Meta does it. */

export const WHATSAPP_TOKEN_SHAPE = /^EAA[A-Za-z0-9]{20,}$/;

/** The customer-service window: a business may send free-form messages this long after the user's last one. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface PhoneNumber {
  id: string;
  wabaId: string;
  displayPhoneNumber: string;
  verifiedName: string;
  appSecret: string;
  webhookUrl?: string;
  verifyToken?: string;
  sent: Record<string, unknown>[];
  inbound: Map<string, Record<string, unknown>>;
  /** Each user's (wa_id) last message time, epoch ms: free-form messages only within 24 h of it. */
  lastInboundAt: Map<string, number>;
  deliveries: { kind: 'message' | 'status'; attempt: number; status: DeliveryStatus; at: string }[];
}

export class WhatsAppAccount {
  readonly numbers = new Map<string, PhoneNumber>();
  readonly revoked = new Set<string>();
  readonly timers = new StandInTimers();
  retryDelaysMs = [100, 300, 1_000, 3_000, 10_000];
  /** Whether each message the business sends is followed by `sent` and `delivered` status callbacks. */
  statusCallbacks = true;

  /** `outbound` delivers webhooks (the sandbox passes its Cloudflare edge so node hostnames resolve). */
  constructor(private readonly outbound: OutboundFetch) {}

  /** A `whatsapp_business_account` webhook payload for this number. */
  envelope(p: PhoneNumber, value: Record<string, unknown>) {
    return {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: p.wabaId,
          changes: [
            {
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: p.displayPhoneNumber, phone_number_id: p.id },
                ...value,
              },
              field: 'messages',
            },
          ],
        },
      ],
    };
  }

  /** One signed attempt (null without a webhook); a failure is retried after the next delay. */
  async post(
    p: PhoneNumber,
    kind: 'message' | 'status',
    payload: unknown,
    attempt: number,
  ): Promise<DeliveryStatus | null> {
    if (!p.webhookUrl) return null;
    const raw = JSON.stringify(payload);
    const signature = `sha256=${createHmac('sha256', p.appSecret).update(raw).digest('hex')}`;
    const status = await postWebhook(this.outbound, p.webhookUrl, { 'X-Hub-Signature-256': signature }, raw);
    p.deliveries.push({ kind, attempt, status, at: new Date().toISOString() });
    if (!delivered(status) && attempt < this.retryDelaysMs.length)
      this.timers.later(this.retryDelaysMs[attempt], () => void this.post(p, kind, payload, attempt + 1));
    return status;
  }
}
