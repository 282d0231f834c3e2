import { healthChecksSchema } from '@enclave/node-protocol';
import { NODE_STATUSES } from '@enclave/persistence';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const nodeHealthSchema = z.object({
  node: z
    .object({
      id: z.uuid(),
      /** healthy / degraded from the node's own checks; degraded / offline when its heartbeats stopped. */
      status: z.enum(NODE_STATUSES),
      reportedState: z.string().nullable(),
      version: z.string().nullable(),
      enrolledAt: z.iso.datetime().nullable(),
      lastHeartbeatAt: z.iso.datetime().nullable(),
      checks: z.nullable(healthChecksSchema),
      /** The knowledge base's size as the node last reported it: counts only (texts stay on the node). */
      knowledge: z.object({ sources: z.int(), chunks: z.int(), bytes: z.int() }).nullable(),
    })
    .nullable(),
});
export class NodeHealthDto extends createZodDto(nodeHealthSchema) {}

export class SuspensionResultDto extends createZodDto(
  z.object({ suspended: z.boolean(), delivery: z.enum(['delivered', 'pending']) }),
) {}
export class DeliveryResultDto extends createZodDto(z.object({ delivery: z.enum(['delivered', 'pending']) })) {}
