import type { AuditActorType, AuditOutcome } from '@enclave/persistence';

/** Who did it and from where; built once per request (or job/webhook) and passed down. */
export interface AuditActor {
  type: AuditActorType;
  id: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: null };

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  workspaceId?: string | null;
  target?: { type: string; id: string } | null;
  outcome?: AuditOutcome;
  /** Metadata only: ids, states, counts. Never content, never a secret. */
  details?: Record<string, unknown>;
}
