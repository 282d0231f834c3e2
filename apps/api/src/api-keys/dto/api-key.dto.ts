import { CHAT_API_LIMITS } from '@enclave/node-protocol';
import { humanText } from '@enclave/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export class CreateApiKeyDto extends createZodDto(
  z.strictObject({
    name: humanText({ max: CHAT_API_LIMITS.name }),
    /** The agent the key may use (its `model` in requests). */
    agentId: z.uuid(),
    /** Off by default: the node then stores nothing of requests and replies. */
    history: z.boolean().default(false),
    requestsPerMinute: z
      .int()
      .min(CHAT_API_LIMITS.requestsPerMinute.min)
      .max(CHAT_API_LIMITS.requestsPerMinute.max)
      .default(60),
  }),
) {}

export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  agentId: z.uuid(),
  /** `sk-enclave-…` and the key's last 4 characters. */
  mask: z.string(),
  /** HMAC-SHA256 of the key with the server-side pepper: compare, never reverse. */
  fingerprint: z.string(),
  history: z.boolean(),
  requestsPerMinute: z.int(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export class ApiKeyDto extends createZodDto(apiKeySchema) {}

export class CreatedApiKeyDto extends createZodDto(
  z.object({
    apiKey: apiKeySchema,
    /** The key itself, shown this once: the control plane does not keep it, the node keeps its hash. */
    secret: z.string(),
    delivery: z.enum(['delivered', 'pending']),
  }),
) {}

export class RevokedApiKeyDto extends createZodDto(
  z.object({ apiKey: apiKeySchema, delivery: z.enum(['delivered', 'pending']) }),
) {}
