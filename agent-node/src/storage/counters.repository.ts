import type { Db } from './database';
import { SETTING, type SettingsRepository } from './settings.repository';

export const COUNTER = {
  inbound: (channel: string) => `${channel}.inbound`,
  outbound: (channel: string) => `${channel}.outbound`,
  failures: (channel: string) => `${channel}.failures`,
  /** Messages not sent as written because WhatsApp's 24-hour window was closed. */
  windowClosed: (channel: string) => `${channel}.window_closed`,
  providerErrors: 'provider.errors',
  fallbackReplies: 'provider.fallbacks',
  handoffs: 'inbox.handoffs',
  humanReplies: 'inbox.human_replies',
  purgedMessages: 'retention.purged_messages',
  purgedConversations: 'retention.purged_conversations',
} as const;

/** Counter values by name, as read for one heartbeat (a missing name counts 0). */
export type CounterSnapshot = Readonly<Record<string, number>>;

/**
 * Counters since the last acknowledged heartbeat, kept in SQLite so a restart or an
 * unreachable control plane loses nothing. After a beat is acknowledged, exactly the
 * reported amounts are subtracted (increments made meanwhile stay for the next beat).
 */
export class CountersRepository {
  private readonly incStmt;
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsRepository,
  ) {
    this.incStmt = db.prepare(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
    );
    // The first counting period starts when the node first opens its database.
    if (!settings.get(SETTING.countersSince)) settings.set(SETTING.countersSince, new Date().toISOString());
  }
  increment(name: string, by = 1): void {
    if (by !== 0) this.incStmt.run(name, by);
  }
  snapshot(): CounterSnapshot {
    const rows = this.db.prepare<[], { name: string; value: number }>('SELECT name, value FROM counters').all();
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }
  /** When the counts of the current snapshot started. */
  since(): string | null {
    return this.settings.get(SETTING.countersSince) ?? null;
  }
  /** Subtracts what an acknowledged beat reported; the next period starts at `sentAt`. */
  acknowledge(snapshot: CounterSnapshot, sentAt: string): void {
    const stmt = this.db.prepare('UPDATE counters SET value = value - ? WHERE name = ?');
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(snapshot)) stmt.run(value, name);
      this.settings.set(SETTING.countersSince, sentAt);
    })();
  }
}

/** One counter from a snapshot (0 when it was never incremented). */
export function counted(snapshot: CounterSnapshot, name: string): number {
  return snapshot[name] ?? 0;
}
