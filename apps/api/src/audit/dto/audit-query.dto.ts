import { AUDIT_ACTOR_TYPES } from '@enclave/persistence';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const cursor = z.string().regex(/^\d{1,19}$/, 'must be an event id from a previous page');

const pageFields = {
  cursor: cursor.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
};

const filterFields = {
  actorType: z.enum(AUDIT_ACTOR_TYPES).optional(),
  /** A user or node id, or a system actor's name (`node-delivery`, `job:…`): printable ASCII. */
  actorId: z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/, 'actor ids are 1-64 printable ASCII characters')
    .optional(),
  /** Exact action ("workspace.created") or a family ending in a dot ("workspace."). */
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};

export const staffAuditFilterSchema = z.strictObject({ ...filterFields, workspaceId: z.uuid().optional() });
export class StaffAuditQueryDto extends createZodDto(staffAuditFilterSchema.extend(pageFields)) {}
export class StaffAuditCsvQueryDto extends createZodDto(staffAuditFilterSchema) {}
export class WorkspaceAuditQueryDto extends createZodDto(z.strictObject({ ...filterFields, ...pageFields })) {}

export const auditEventSchema = z.object({
  id: z.string(),
  occurredAt: z.iso.datetime(),
  actorType: z.enum(AUDIT_ACTOR_TYPES),
  actorId: z.string().nullable(),
  workspaceId: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  outcome: z.enum(['success', 'failure', 'denied']),
  details: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export class AuditPageDto extends createZodDto(
  z.object({ items: z.array(auditEventSchema), nextCursor: z.string().nullable() }),
) {}

/**
 * verifyAuditChain's verdict (`ChainVerdict` in @enclave/audit), flattened: `lastId` when the
 * chain holds, `brokenAt` and `reason` when it does not.
 */
export class ChainVerdictDto extends createZodDto(
  z.object({
    ok: z.boolean(),
    checked: z.number().int(),
    lastId: z.string().nullable().optional(),
    brokenAt: z.string().optional(),
    reason: z.enum(['hash_mismatch', 'prev_hash_mismatch']).optional(),
  }),
) {}
