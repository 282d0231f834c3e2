import type { ApiCounters } from '@enclave/node-protocol';
import type { EntityManager } from 'typeorm';

/**
 * A heartbeat's chat API counts: added to the day's `api` usage row (requests as inbound,
 * failures, tokens in/out) and each reported key's last use moved forward. Counts and times only.
 */
export async function recordApiUsage(
  manager: EntityManager,
  workspaceId: string,
  day: string,
  api: ApiCounters | undefined,
): Promise<void> {
  if (!api) return;
  const counts = [api.requests, api.failures, api.tokensIn, api.tokensOut].map((n) => Math.max(0, n));
  if (counts.some((n) => n > 0))
    await manager.query(
      `INSERT INTO usage_daily (workspace_id, day, channel, inbound, failures, tokens_in, tokens_out)
       VALUES ($1, $2, 'api', $3, $4, $5, $6)
       ON CONFLICT (workspace_id, day, channel) DO UPDATE SET
         inbound = usage_daily.inbound + EXCLUDED.inbound,
         failures = usage_daily.failures + EXCLUDED.failures,
         tokens_in = usage_daily.tokens_in + EXCLUDED.tokens_in,
         tokens_out = usage_daily.tokens_out + EXCLUDED.tokens_out`,
      [workspaceId, day, ...counts],
    );
  for (const used of api.keysLastUsed ?? []) {
    const at = new Date(used.lastUsedAt);
    if (Number.isNaN(at.getTime())) continue;
    await manager.query(
      `UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, $3), $3)
        WHERE workspace_id = $1 AND id::text = $2`,
      [workspaceId, used.id, at],
    );
  }
}
