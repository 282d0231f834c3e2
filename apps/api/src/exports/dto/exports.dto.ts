import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export class RequestExportDto extends createZodDto(
  z.strictObject({
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .optional(),
  }),
) {}
export class SetRetentionDto extends createZodDto(z.strictObject({ days: z.number().int().min(1).max(3650) })) {}
/** Conversation ids are the node's own (they come from an export); never an end user's chat id. */
export const conversationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'conversation ids are 1-100 characters of A-Z a-z 0-9 _ -');

/**
 * `preparing`: the node is building the archive (poll again); `ready`: `url` is the node's
 * signed link until `expiresAt`; `expired`: the link's time passed; `failed`: the node could not
 * build it (request a new one).
 */
const exportStateSchema = z.enum(['preparing', 'ready', 'expired', 'failed']);

export const exportJobSchema = z.object({
  id: z.uuid(),
  state: exportStateSchema,
  expiresAt: z.iso.datetime().nullable(),
  conversations: z.number().int().nullable(),
  messages: z.number().int().nullable(),
  bytes: z.number().int().nullable(),
  /** The node's signed, expiring link (ready only): handed to the member who asks, never stored by the control plane. */
  url: z.url().nullable(),
  sha256: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export class ExportJobDto extends createZodDto(exportJobSchema) {}
export const exportRecordSchema = z.object({
  id: z.uuid(),
  requestedBy: z.uuid(),
  state: exportStateSchema,
  expiresAt: z.iso.datetime().nullable(),
  conversations: z.number().int().nullable(),
  messages: z.number().int().nullable(),
  bytes: z.number().int().nullable(),
  createdAt: z.iso.datetime(),
});
export class ExportRecordDto extends createZodDto(exportRecordSchema) {}
export class EraseResultDto extends createZodDto(z.object({ erased: z.boolean(), messages: z.number().int() })) {}
/** `days` null: never set, the node keeps its default (365 days). `appliedAt` null: not yet applied on the node. */
export class RetentionDto extends createZodDto(
  z.object({ days: z.number().int().nullable(), appliedAt: z.iso.datetime().nullable() }),
) {}
export class RetentionResultDto extends createZodDto(
  z.object({ days: z.number().int(), delivery: z.enum(['delivered', 'pending']) }),
) {}
