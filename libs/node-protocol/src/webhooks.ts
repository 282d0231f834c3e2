import * as z from 'zod/mini';

/**
 * Outbound webhooks and transcript mail, both sent by the node (docs/webhooks.md). The control
 * plane configures endpoints and the transcript settings (applyConfig) and delivers the signing
 * secrets and the mail credential like other secrets; it never sees a payload or a transcript.
 */

export const WEBHOOK_EVENT_TYPES = [
  'conversation.started',
  'message.received',
  'message.sent',
  'conversation.handoff_requested',
  'conversation.resolved',
  'lead.created',
] as const;
export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

const endpointId = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/));

/** An endpoint as the node holds it. Its signing secret is the secret `webhook_signing_secret` scoped to its id. */
export const webhookEndpointConfigSchema = z.strictObject({
  id: endpointId,
  /** https (plain http only for hosts a test configuration allows); the node checks the address when sending. */
  url: z.url({ protocol: /^https?$/ }).check(z.maxLength(2048)),
  events: z.array(webhookEventTypeSchema).check(z.minLength(1), z.maxLength(WEBHOOK_EVENT_TYPES.length)),
  enabled: z.boolean(),
  /** Changes with every edit: an endpoint the node disabled (410) is enabled again only by an edit. */
  updatedAt: z.string().check(z.minLength(1), z.maxLength(40)),
});
export type WebhookEndpointConfig = z.infer<typeof webhookEndpointConfigSchema>;

export const EMAIL_PROVIDERS = ['smtp', 'resend', 'postmark'] as const;
export const emailProviderSchema = z.enum(EMAIL_PROVIDERS);
export type EmailProvider = z.infer<typeof emailProviderSchema>;

const emailAddress = z.email().check(z.maxLength(254));

/**
 * Transcripts by mail: sent by the node through the customer's own provider (secret
 * `email_provider_credential`: an SMTP URL, or a Resend / Postmark API key) when a conversation
 * is resolved, or after `idleMinutes` without a message when set.
 */
export const transcriptSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  provider: emailProviderSchema,
  from: emailAddress,
  recipients: z.array(emailAddress).check(z.minLength(1), z.maxLength(10)),
  idleMinutes: z.nullable(z.int().check(z.gte(5), z.lte(7 * 24 * 60))),
});
export type TranscriptSettings = z.infer<typeof transcriptSettingsSchema>;

/** Something the control plane must hear about an endpoint: ids and a status code only. */
export const webhookNoticeSchema = z.strictObject({
  id: z.int().check(z.positive()),
  type: z.enum(['endpoint_disabled']),
  endpointId,
  /** The receiver's answer that caused it (410). */
  status: z.nullable(z.int()),
  at: z.string(),
});
export type WebhookNotice = z.infer<typeof webhookNoticeSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'erased', 'cancelled'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One line of an endpoint's delivery log, as the node serves it to the dashboard. */
export interface WebhookDeliveryView {
  readonly id: string;
  readonly endpointId: string;
  readonly eventType: WebhookEventType;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  /** The receiver's HTTP status of the last attempt (null: no answer). */
  readonly lastStatus: number | null;
  /** Why the last attempt failed without an answer (timeout, private_address, …). */
  readonly lastError: string | null;
  readonly lastDurationMs: number | null;
  readonly createdAt: string;
}

/** An endpoint as the node sees it: its config plus whether the node disabled it, and its log's counts. */
export interface WebhookEndpointView {
  readonly id: string;
  readonly url: string;
  readonly events: WebhookEventType[];
  readonly enabled: boolean;
  readonly disabledByNode: { readonly at: string; readonly reason: string } | null;
  readonly signingSecret: boolean;
  readonly counts: Record<WebhookDeliveryStatus, number>;
}
