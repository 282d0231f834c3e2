import type { NodeConfig } from '../config/node-config';
import type { NodeLogger } from '../logging/logger';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { Transaction } from '../storage/database';
import { SETTING, type SettingsRepository } from '../storage/settings.repository';
import type { RetentionRepository } from './retention.repository';

const DAY_MS = 24 * 3600 * 1000;

export interface PurgeResult {
  readonly messages: number;
  readonly conversations: number;
  readonly cutoff: string;
}

/**
 * Retention: messages older than the window (days) are deleted, then conversations left
 * without messages, then de-duplication records past the window. Runs nightly at the
 * configured UTC hour (and at start-up when the last purge is more than a day old).
 */
export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private catchUp: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: RetentionRepository,
    private readonly transaction: Transaction,
    private readonly settings: SettingsRepository,
    private readonly counters: CountersRepository,
    private readonly window: NodeConfig['retention'],
    private readonly logger: NodeLogger,
  ) {}

  days(): number {
    const v = this.settings.get(SETTING.retentionDays);
    return v ? Number(v) : this.window.defaultDays;
  }

  setDays(days: number): void {
    this.settings.set(SETTING.retentionDays, String(days));
    this.logger.info({ days }, 'retention window set');
  }

  lastPurgeAt(): string | null {
    return this.settings.get(SETTING.lastPurgeAt) ?? null;
  }

  purge(now = new Date()): PurgeResult {
    const cutoff = now.getTime() - this.days() * DAY_MS;
    const result = this.transaction(() => {
      const { messages, conversations } = this.repository.purgeBefore(cutoff);
      this.counters.increment(COUNTER.purgedMessages, messages);
      this.counters.increment(COUNTER.purgedConversations, conversations);
      this.settings.set(SETTING.lastPurgeAt, now.toISOString());
      return { messages, conversations, cutoff: new Date(cutoff).toISOString() };
    });
    this.logger.info(
      { purgedMessages: result.messages, purgedConversations: result.conversations },
      'retention purge done',
    );
    return result;
  }

  /** Milliseconds until the next purge hour (UTC). */
  msUntilNextRun(now = new Date()): number {
    const next = new Date(
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), this.window.purgeHourUtc, 0, 0),
    );
    if (next.getTime() <= now.getTime()) next.setUTCDate(next.getUTCDate() + 1);
    return next.getTime() - now.getTime();
  }

  start(): void {
    const last = this.lastPurgeAt();
    if (!last || Date.now() - Date.parse(last) > DAY_MS) {
      this.catchUp = setTimeout(() => this.safePurge(), 5_000);
      this.catchUp.unref();
    }
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.safePurge();
      this.schedule();
    }, this.msUntilNextRun());
    this.timer.unref();
  }

  private safePurge(): void {
    try {
      this.purge();
    } catch (err) {
      this.logger.error({ err }, 'retention purge failed');
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.catchUp) clearTimeout(this.catchUp);
  }
}
