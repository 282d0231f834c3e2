import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const emailSchema = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase());

export class RequestMagicLinkDto extends createZodDto(
  z.strictObject({ email: emailSchema, marketingOptIn: z.boolean().default(false) }),
) {}

export class MagicLinkCallbackQueryDto extends createZodDto(z.strictObject({ token: z.string().min(20).max(128) })) {}

export const meSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  name: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  isStaff: z.boolean(),
  identities: z.array(z.enum(['github', 'google', 'email', 'apple'])),
});
export class MeDto extends createZodDto(meSchema) {}

/** Which sign-in methods this deployment offers (email magic links always). */
export class ProvidersDto extends createZodDto(
  z.object({ github: z.boolean(), google: z.boolean(), apple: z.boolean(), email: z.literal(true) }),
) {}
export class SentDto extends createZodDto(z.object({ status: z.literal('sent') })) {}
/** How many sessions a logout revoked. */
export class RevokedDto extends createZodDto(z.object({ revoked: z.number().int() })) {}
