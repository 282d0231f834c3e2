import { WHATSAPP_LANGUAGE_CODE, WHATSAPP_TEMPLATE_NAME } from '@enclave/node-protocol';
import { CHANNEL_TYPES } from '@enclave/persistence';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { secretValueSchema } from '../../secrets/dto/secret.dto';

const phoneNumberId = z.string().regex(/^\d{5,20}$/, 'a WhatsApp phone number id is 5-20 digits');

/**
 * The approved template the node sends instead of a free-form message once WhatsApp's 24-hour
 * customer-service window is closed (a template without variables). Not secret.
 */
export const windowTemplateSchema = z.strictObject({
  name: z
    .string()
    .regex(
      WHATSAPP_TEMPLATE_NAME,
      'a template name is 1-512 lowercase letters, digits or "_", as in Meta\'s dashboard',
    ),
  language: z.string().regex(WHATSAPP_LANGUAGE_CODE, 'a language code like en, en_US or pt_BR'),
});

const telegram = z.strictObject({
  type: z.literal('telegram'),
  agentId: z.uuid(),
  enabled: z.boolean().default(true),
  botToken: secretValueSchema,
});
const whatsapp = z.strictObject({
  type: z.literal('whatsapp'),
  agentId: z.uuid(),
  enabled: z.boolean().default(true),
  phoneNumberId,
  accessToken: secretValueSchema,
  appSecret: secretValueSchema,
  windowTemplate: windowTemplateSchema.optional(),
});
/** A union (validated with `new ZodValidationPipe(createChannelSchema)`; a DTO class cannot be a union). */
export const createChannelSchema = z.discriminatedUnion('type', [telegram, whatsapp]);
export type CreateChannelInput = z.infer<typeof createChannelSchema>;

export class UpdateChannelDto extends createZodDto(
  z
    .strictObject({
      agentId: z.uuid().optional(),
      enabled: z.boolean().optional(),
      /** WhatsApp only; null removes it. */
      windowTemplate: windowTemplateSchema.nullable().optional(),
    })
    .refine((value) => Object.keys(value).length > 0, 'nothing to change'),
) {}

/** Rotation: Telegram takes a new bot token; WhatsApp a new access token and/or app secret. */
export class RotateCredentialsDto extends createZodDto(
  z
    .strictObject({
      botToken: secretValueSchema.optional(),
      accessToken: secretValueSchema.optional(),
      appSecret: secretValueSchema.optional(),
    })
    .refine((value) => Object.keys(value).length > 0, 'give at least one credential'),
) {}

export const channelSchema = z.object({
  id: z.uuid(),
  type: z.enum(CHANNEL_TYPES),
  agentId: z.uuid(),
  enabled: z.boolean(),
  telegram: z.object({ botId: z.string().nullable(), botUsername: z.string().nullable() }).nullable(),
  whatsapp: z
    .object({
      phoneNumberId: z.string(),
      displayPhoneNumber: z.string().nullable(),
      /** Paste into Meta's dashboard as "Verify token", with `webhookPath` on the node's domain as callback URL. */
      verifyToken: z.string(),
      /** Sent when the 24-hour window is closed; null: nothing is sent then (`window_closed`). */
      windowTemplate: z.object({ name: z.string(), language: z.string() }).nullable(),
    })
    .nullable(),
  /** Path of the node's webhook for this channel (on the workspace node's domain). */
  webhookPath: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export class ChannelDto extends createZodDto(channelSchema) {}
export class ChannelResultDto extends createZodDto(
  z.object({ channel: channelSchema, delivery: z.enum(['delivered', 'pending']) }),
) {}
