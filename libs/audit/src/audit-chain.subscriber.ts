import { AuditEventEntity } from '@enclave/persistence';
import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { auditEventHash, GENESIS_HASH } from './audit-hash';
import type { AuditRecord } from './audit.types';

/** Any constant works: it only has to be the same for every writer of the chain. */
const AUDIT_CHAIN_LOCK = 0x0a0d17;

/** TypeORM keeps the nesting depth (savepoints) on the query runner without typing it publicly. */
function transactionDepth(queryRunner: QueryRunner): number {
  return (queryRunner as unknown as { transactionDepth: number }).transactionDepth;
}

interface PendingEvent {
  record: AuditRecord;
  occurredAt: Date;
}

/**
 * Appends a transaction's audit events to the hash chain just before it commits.
 *
 * Appending takes a transaction-scoped advisory lock that serialises every writer of the
 * chain. Taken at the moment of `record()`, in the middle of a transaction, it would be held
 * while the transaction goes on to lock rows, and two transactions could each hold what the
 * other waits for (a deadlock). Taken here, it is always the last lock of a transaction.
 */
export class AuditChainSubscriber implements EntitySubscriberInterface {
  private readonly pending = new WeakMap<QueryRunner, PendingEvent[]>();

  enqueue(queryRunner: QueryRunner, record: AuditRecord): void {
    const events = this.pending.get(queryRunner) ?? [];
    events.push({ record, occurredAt: new Date() });
    this.pending.set(queryRunner, events);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const queryRunner = event.queryRunner;
    // Savepoint releases broadcast too; only the outermost commit writes.
    if (transactionDepth(queryRunner) > 1) return;
    const events = this.pending.get(queryRunner);
    if (!events?.length) return;
    this.pending.delete(queryRunner);
    await queryRunner.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const previous = (await queryRunner.query('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1')) as Array<{
      hash: string;
    }>;
    let prevHash = previous[0]?.hash ?? GENESIS_HASH;
    for (const { record, occurredAt } of events) {
      const [{ id }] = (await queryRunner.query(`SELECT nextval('audit_events_id_seq')::text AS id`)) as Array<{
        id: string;
      }>;
      const row = {
        id,
        occurredAt,
        actorType: record.actor.type,
        actorId: record.actor.id,
        workspaceId: record.workspaceId ?? null,
        action: record.action,
        targetType: record.target?.type ?? null,
        targetId: record.target?.id ?? null,
        ip: record.actor.ip ?? null,
        userAgent: record.actor.userAgent?.slice(0, 512) ?? null,
        outcome: record.outcome ?? ('success' as const),
        details: record.details ?? {},
      };
      const hash = auditEventHash(prevHash, row);
      await queryRunner.manager.insert(AuditEventEntity, {
        ...row,
        prevHash,
        hash,
      } as QueryDeepPartialEntity<AuditEventEntity>);
      prevHash = hash;
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (transactionDepth(event.queryRunner) === 0) this.pending.delete(event.queryRunner);
  }
}
