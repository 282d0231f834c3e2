import { createHash } from 'node:crypto';
import type { AuditActorType, AuditOutcome } from '@enclave/persistence';

export const GENESIS_HASH = '0'.repeat(64);

export interface HashedAuditFields {
  id: string;
  occurredAt: Date;
  actorType: AuditActorType;
  actorId: string | null;
  workspaceId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown>;
}

/** JSON with object keys sorted, so jsonb's own key order on read-back cannot change the hash. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function auditEventHash(prevHash: string, event: HashedAuditFields): string {
  const payload = canonicalJson([
    prevHash,
    event.id,
    event.occurredAt.toISOString(),
    event.actorType,
    event.actorId,
    event.workspaceId,
    event.action,
    event.targetType,
    event.targetId,
    event.ip,
    event.userAgent,
    event.outcome,
    event.details,
  ]);
  return createHash('sha256').update(payload).digest('hex');
}
