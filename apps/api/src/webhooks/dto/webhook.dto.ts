import { EMAIL_PROVIDERS, WEBHOOK_EVENT_TYPES } from '@enclave/node-protocol';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { secretRecordSchema } from '../../secrets/dto/secret.dto';

const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'each event once');
const url = z.string().trim().max(2048);

export class CreateWebhookEndpointDto extends createZodDto(
  z.strictObject({ url, events, enabled: z.boolean().default(true) }),
) {}

export class UpdateWebhookEndpointDto extends createZodDto(
  z
    .strictObject({ url: url.optional(), events: events.optional(), enabled: z.boolean().optional() })
    .refine((value) => Object.keys(value).length > 0, 'nothing to change'),
) {}

export const webhookEndpointSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  /** Set when the node switched it off (`receiver_gone`: the receiver answered 410 Gone). */
  disabledReason: z.string().nullable(),
  disabledAt: z.iso.datetime().nullable(),
  /** The signing secret as the control plane knows it: mask and fingerprint only. */
  secret: secretRecordSchema.nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export class WebhookEndpointDto extends createZodDto(webhookEndpointSchema) {}

export class WebhookEndpointResultDto extends createZodDto(
  z.object({
    endpoint: webhookEndpointSchema,
    /** `whsec_…`: returned once, at creation or rotation; never stored or shown again. */
    signingSecret: z.string().optional(),
    delivery: z.enum(['delivered', 'pending']),
  }),
) {}

const email = z.email().max(254);

export class PutTranscriptSettingsDto extends createZodDto(
  z.strictObject({
    enabled: z.boolean(),
    provider: z.enum(EMAIL_PROVIDERS),
    from: email,
    recipients: z
      .array(email)
      .min(1)
      .max(10)
      .refine((list) => new Set(list.map((a) => a.toLowerCase())).size === list.length, 'each address once'),
    idleMinutes: z.number().int().min(5).max(10_080).nullable(),
    /** SMTP URL (smtp:// or smtps://, with user and password), or the Resend / Postmark API key. Write-only. */
    credential: z.string().trim().min(8).max(2048).optional(),
  }),
) {}

export const transcriptSettingsViewSchema = z.object({
  enabled: z.boolean(),
  provider: z.enum(EMAIL_PROVIDERS),
  from: z.string(),
  recipients: z.array(z.string()),
  idleMinutes: z.number().int().nullable(),
  credential: secretRecordSchema.nullable(),
  updatedAt: z.iso.datetime(),
});
export class TranscriptSettingsDto extends createZodDto(
  z.object({ transcripts: transcriptSettingsViewSchema.nullable() }),
) {}
export class TranscriptSettingsResultDto extends createZodDto(
  z.object({ transcripts: transcriptSettingsViewSchema, delivery: z.enum(['delivered', 'pending']) }),
) {}
