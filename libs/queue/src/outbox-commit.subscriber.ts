import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

/** What the relay does with the rows a transaction wrote once it has committed, on that transaction's own connection. */
export type AfterCommit = (queryRunner: QueryRunner, rowIds: string[]) => Promise<void>;

/**
 * Remembers the outbox rows each transaction writes and hands them to the relay right after the
 * transaction commits (on the same connection, before it returns to the pool), so a job usually
 * reaches Redis before the request that caused it answers. Outside the transaction by design:
 * the change is durable whatever Redis does, and the relay's poll picks up anything left.
 */
export class OutboxCommitSubscriber implements EntitySubscriberInterface {
  private readonly pending = new WeakMap<QueryRunner, string[]>();

  constructor(private readonly afterCommit: AfterCommit) {}

  track(queryRunner: QueryRunner, rowId: string): void {
    const rows = this.pending.get(queryRunner) ?? [];
    rows.push(rowId);
    this.pending.set(queryRunner, rows);
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const queryRunner = event.queryRunner;
    // Savepoint releases broadcast too; only the outermost commit makes the rows visible.
    if (queryRunner.isTransactionActive) return;
    const rows = this.pending.get(queryRunner);
    if (!rows?.length) return;
    this.pending.delete(queryRunner);
    await this.afterCommit(queryRunner, rows);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }
}
