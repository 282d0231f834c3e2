import { humanText } from '@enclave/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { emailSchema } from '../../auth/dto/auth.dto';

const providerSchema = z.enum(['github', 'google', 'email', 'apple']);

export const accountSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  name: z.string().nullable(),
  marketingOptIn: z.boolean(),
  marketingConsentAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  identities: z.array(
    z.object({
      id: z.uuid(),
      provider: providerSchema,
      email: z.string(),
      createdAt: z.iso.datetime(),
      lastUsedAt: z.iso.datetime(),
    }),
  ),
  sessions: z.array(
    z.object({
      id: z.uuid(),
      current: z.boolean(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      createdAt: z.iso.datetime(),
      expiresAt: z.iso.datetime(),
    }),
  ),
  /** Sign-in providers this deployment offers that are not linked yet. */
  linkable: z.array(providerSchema),
});
export class AccountDto extends createZodDto(accountSchema) {}

export class UpdateAccountDto extends createZodDto(
  z
    .strictObject({ name: humanText({ max: 255 }).nullable().optional(), marketingOptIn: z.boolean().optional() })
    .refine((body) => body.name !== undefined || body.marketingOptIn !== undefined, 'Change at least one field.'),
) {}

export class ChangeEmailDto extends createZodDto(z.strictObject({ email: emailSchema })) {}
export class TokenQueryDto extends createZodDto(z.strictObject({ token: z.string().min(20).max(128) })) {}

export class DeleteAccountDto extends createZodDto(z.strictObject({ confirmEmail: emailSchema })) {}

export const accountExportSchema = z.object({
  id: z.uuid(),
  status: z.enum(['pending', 'ready', 'failed']),
  bytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  /** Same-origin path; works for this user's session only, until `expiresAt`. */
  downloadUrl: z.string().nullable(),
});
export class AccountExportDto extends createZodDto(accountExportSchema) {}
