import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditEventEntity } from '@enclave/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { auditEventHash, GENESIS_HASH } from './audit-hash';
import type { AuditRecord } from './audit.types';

/** Any constant works: it only has to be the same for every writer of the chain. */
const AUDIT_CHAIN_LOCK = 0x0a0d17;

@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Appends an event inside the caller's transaction, so the event exists exactly when the
   * change it describes does. A transaction-scoped advisory lock serialises appends so each
   * event links to the one committed before it.
   */
  async record(manager: EntityManager, record: AuditRecord): Promise<AuditEventEntity> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('AuditService.record must run inside a transaction');
    }
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const [{ id }] = (await manager.query(`SELECT nextval('audit_events_id_seq')::text AS id`)) as Array<{ id: string }>;
    const previous = (await manager.query('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1')) as Array<{ hash: string }>;
    const prevHash = previous[0]?.hash ?? GENESIS_HASH;
    const event = manager.create(AuditEventEntity, {
      id,
      occurredAt: new Date(),
      actorType: record.actor.type,
      actorId: record.actor.id,
      workspaceId: record.workspaceId ?? null,
      action: record.action,
      targetType: record.target?.type ?? null,
      targetId: record.target?.id ?? null,
      ip: record.actor.ip ?? null,
      userAgent: record.actor.userAgent?.slice(0, 512) ?? null,
      outcome: record.outcome ?? 'success',
      details: record.details ?? {},
      prevHash,
    });
    event.hash = auditEventHash(prevHash, event);
    // insert, not save: save would first SELECT the row to decide between INSERT and UPDATE.
    await manager.insert(AuditEventEntity, event as QueryDeepPartialEntity<AuditEventEntity>);
    return event;
  }

  /** Records an event on its own (for outcomes with no state change, such as a refused request). */
  recordAlone(record: AuditRecord): Promise<AuditEventEntity> {
    return this.dataSource.transaction((manager) => this.record(manager, record));
  }
}
