import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditChainSubscriber } from './audit-chain.subscriber';
import type { AuditRecord } from './audit.types';

@Injectable()
export class AuditService {
  private readonly chain: AuditChainSubscriber;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    const registered = dataSource.subscribers.find(
      (subscriber): subscriber is AuditChainSubscriber => subscriber instanceof AuditChainSubscriber,
    );
    this.chain = registered ?? new AuditChainSubscriber();
    if (!registered) dataSource.subscribers.push(this.chain);
  }

  /**
   * Records an event in the caller's transaction, so the event exists exactly when the change
   * it describes does: it is appended to the hash chain as the transaction commits, and
   * disappears with it on rollback.
   */
  async record(manager: EntityManager, record: AuditRecord): Promise<void> {
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) throw new Error('AuditService.record must run inside a transaction');
    this.chain.enqueue(queryRunner, record);
  }

  /** Records an event on its own (for outcomes with no state change, such as a refused request). */
  recordAlone(record: AuditRecord): Promise<void> {
    return this.dataSource.transaction((manager) => this.record(manager, record));
  }
}
