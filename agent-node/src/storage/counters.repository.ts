import type { Db } from './database';

export const COUNTER = {
  inbound: (channel: string) => `${channel}.inbound`,
  outbound: (channel: string) => `${channel}.outbound`,
  failures: (channel: string) => `${channel}.failures`,
  providerErrors: 'provider.errors',
  fallbackReplies: 'provider.fallbacks',
  purgedMessages: 'retention.purged_messages',
  purgedConversations: 'retention.purged_conversations',
} as const;

/**
 * Counters since the last acknowledged heartbeat, kept in SQLite so a restart or an
 * unreachable control plane loses nothing. After a beat is acknowledged, exactly the
 * reported amounts are subtracted (increments made meanwhile stay for the next beat).
 */
export class CountersRepository {
  private readonly incStmt;
  constructor(private readonly db: Db) {
    this.incStmt = db.prepare(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
    );
  }
  increment(name: string, by = 1): void {
    if (by !== 0) this.incStmt.run(name, by);
  }
  snapshot(): Record<string, number> {
    const rows = this.db.prepare<[], { name: string; value: number }>('SELECT name, value FROM counters').all();
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }
  acknowledge(snapshot: Record<string, number>): void {
    const stmt = this.db.prepare('UPDATE counters SET value = value - ? WHERE name = ?');
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(snapshot)) stmt.run(value, name);
    })();
  }
}
