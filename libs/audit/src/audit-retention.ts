import type { DataSource } from 'typeorm';

/**
 * Deletes audit events that occurred before `before`, oldest first, in batches of `batchSize`
 * (one transaction each), and records in `audit_chain_anchor` the hash the first remaining event
 * links to. The newest event is never deleted (the next append links to it). Returns how many
 * events were deleted. Only this function sets `enclave.audit_retention`, the one thing the
 * append-only trigger lets a DELETE through for (migration 1764800000001-AuditRetention).
 */
export async function pruneAuditChain(dataSource: DataSource, before: Date, batchSize = 10_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('enclave.audit_retention', 'on', true)`);
      const [last] = (await manager.query(
        `SELECT oldest.id::text AS id, oldest.hash FROM (
           SELECT id, hash FROM audit_events
           WHERE occurred_at < $1 AND id < (SELECT max(id) FROM audit_events)
           ORDER BY id LIMIT $2) oldest
         ORDER BY oldest.id DESC LIMIT 1`,
        [before, batchSize],
      )) as Array<{ id: string; hash: string }>;
      if (!last) return 0;
      const [, count] = (await manager.query(`DELETE FROM audit_events WHERE id <= $1`, [last.id])) as [
        unknown,
        number,
      ];
      const [next] = (await manager.query(`SELECT min(id)::text AS id FROM audit_events`)) as Array<{ id: string }>;
      await manager.query(
        `INSERT INTO audit_chain_anchor (id, first_kept_id, prev_hash, pruned_events, pruned_before)
         VALUES (1, $1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET first_kept_id = $1, prev_hash = $2,
           pruned_events = audit_chain_anchor.pruned_events + $3, pruned_before = $4, updated_at = now()`,
        [next.id, last.hash, count, before],
      );
      return count;
    });
    deleted += batch;
    if (batch < batchSize) return deleted;
  }
}
