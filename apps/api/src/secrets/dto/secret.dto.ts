import { SECRET_KINDS, SECRET_STATUSES } from '@enclave/persistence';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const secretValueSchema = z.string().trim().min(8).max(4096);

export class SetSecretDto extends createZodDto(z.strictObject({ value: secretValueSchema })) {}

export const secretRecordSchema = z.object({
  id: z.uuid(),
  kind: z.enum(SECRET_KINDS),
  scope: z.string(),
  /** e.g. `sk-…9Qx2`: never more than the last 4 characters. */
  mask: z.string(),
  /** HMAC-SHA256 (server pepper) of the value, hex: tells whether it changed, reveals nothing. */
  fingerprint: z.string(),
  status: z.enum(SECRET_STATUSES),
  validatedAt: z.iso.datetime(),
  deliveredAt: z.iso.datetime().nullable(),
  rotatedAt: z.iso.datetime().nullable(),
});
export class SecretRecordDto extends createZodDto(secretRecordSchema) {}
export class SetSecretResultDto extends createZodDto(
  z.object({ secret: secretRecordSchema, delivery: z.enum(['delivered', 'pending']) }),
) {}
