import type { NodeState } from '@enclave/node-protocol';
import type { ChannelRow } from '../storage/config.repository';
import type { ConversationRepository, InboundMessage, StoreInboundResult } from '../storage/conversation.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { Transaction } from '../storage/database';
import { SETTING, type SettingsRepository } from '../storage/settings.repository';

/**
 * Commits what a webhook received — messages, their de-duplication records and reply jobs, in
 * one transaction, before the webhook answers 2xx — then tells whoever listens (the reply queue).
 */
export class InboundStore {
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly conversations: ConversationRepository,
    private readonly counters: CountersRepository,
    private readonly settings: SettingsRepository,
    private readonly transaction: Transaction,
    private readonly state: () => NodeState,
  ) {}

  /** Called after new inbound messages were committed. */
  onStored(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Stores the messages that are new; returns how many. Suspended or disabled: stored, not answered.
   * `each` runs inside the transaction for every new message (the widget logs it as an event).
   */
  store(
    channel: ChannelRow,
    messages: readonly InboundMessage[],
    each?: (stored: Extract<StoreInboundResult, { duplicate: false }>) => void,
  ): number {
    const jobState = this.state() === 'suspended' || !channel.enabled ? 'skipped' : 'pending';
    const stored = this.transaction(() => {
      let fresh = 0;
      for (const m of messages) {
        const result = this.conversations.storeInbound(m, jobState);
        if (result.duplicate) continue;
        each?.(result);
        fresh++;
        this.counters.increment(COUNTER.inbound(channel.type));
      }
      if (fresh > 0) this.settings.set(SETTING.lastActivityAt, new Date().toISOString());
      return fresh;
    });
    if (stored > 0) for (const listener of this.listeners) listener();
    return stored;
  }
}
