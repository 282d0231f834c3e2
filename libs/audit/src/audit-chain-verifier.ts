import { AuditEventEntity } from '@enclave/persistence';
import { type DataSource, MoreThan } from 'typeorm';
import { auditEventHash, GENESIS_HASH } from './audit-hash';

export type ChainVerdict =
  | { ok: true; checked: number; lastId: string | null }
  | { ok: false; checked: number; brokenAt: string; reason: 'hash_mismatch' | 'prev_hash_mismatch' };

/**
 * Walks the whole chain in id order, in batches, and reports the first row that does not hold.
 * Once the retention job pruned the oldest events, the chain starts at the hash its anchor kept.
 */
export async function verifyAuditChain(dataSource: DataSource, batchSize = 5000): Promise<ChainVerdict> {
  const repository = dataSource.getRepository(AuditEventEntity);
  const [anchor] = (await dataSource.query(`SELECT prev_hash FROM audit_chain_anchor WHERE id = 1`)) as Array<{
    prev_hash: string;
  }>;
  let previousHash = anchor?.prev_hash ?? GENESIS_HASH;
  let lastId: string | null = null;
  let checked = 0;
  for (;;) {
    const batch = await repository.find({
      where: lastId === null ? {} : { id: MoreThan(lastId) },
      order: { id: 'ASC' },
      take: batchSize,
    });
    if (batch.length === 0) return { ok: true, checked, lastId };
    for (const event of batch) {
      if (event.prevHash !== previousHash)
        return { ok: false, checked, brokenAt: event.id, reason: 'prev_hash_mismatch' };
      if (auditEventHash(event.prevHash, event) !== event.hash)
        return { ok: false, checked, brokenAt: event.id, reason: 'hash_mismatch' };
      previousHash = event.hash;
      lastId = event.id;
      checked += 1;
    }
  }
}
