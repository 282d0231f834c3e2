import { STRIPE_SUBSCRIPTION_STATUSES, WORKSPACE_STATUSES } from '@enclave/persistence';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const planSchema = z.object({
  id: z.string(),
  name: z.string(),
  amount: z.number().int().describe('Smallest currency unit, e.g. 2900 = 29.00'),
  currency: z.string(),
  interval: z.enum(['day', 'week', 'month', 'year']),
});
export class PlansDto extends createZodDto(z.object({ plans: z.array(planSchema) })) {}

export class StartCheckoutDto extends createZodDto(z.strictObject({ planId: z.string().min(1).max(40) })) {}
export class RedirectDto extends createZodDto(z.object({ url: z.url() })) {}

export class BillingStatusDto extends createZodDto(
  z.object({
    workspaceStatus: z.enum(WORKSPACE_STATUSES),
    hasCustomer: z.boolean(),
    subscription: z
      .object({
        status: z.enum(STRIPE_SUBSCRIPTION_STATUSES),
        planId: z.string().nullable(),
        currentPeriodEnd: z.iso.datetime().nullable(),
        cancelAtPeriodEnd: z.boolean(),
      })
      .nullable(),
    graceEndsAt: z.iso.datetime().nullable(),
    deprovisionAt: z.iso.datetime().nullable(),
  }),
) {}

export class WebhookResultDto extends createZodDto(
  z.object({ received: z.literal(true), eventId: z.string(), outcome: z.enum(['processed', 'ignored', 'duplicate']) }),
) {}
