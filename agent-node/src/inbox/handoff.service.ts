import type { ReplyJobRepository } from '../messaging/reply-job.repository';
import type { ConversationRepository } from '../storage/conversation.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { Transaction } from '../storage/database';
import type { ControlPlaneOutbox } from './control-plane-outbox.repository';
import type { InboxSettingsStore } from './inbox-settings';
import type { InboxRepository } from './inbox.repository';

/**
 * Moves conversations between the agent and people. A handoff tells the end user (the
 * configured message, queued behind anything already queued for them), puts the conversation
 * in the team's open inbox and asks the control plane to notify the team — by id, no content.
 */
export class HandoffService {
  constructor(
    private readonly deps: {
      readonly inbox: InboxRepository;
      readonly settings: InboxSettingsStore;
      readonly conversations: Pick<ConversationRepository, 'insertOutbound'>;
      readonly jobs: Pick<ReplyJobRepository, 'enqueueTeamMessage'>;
      readonly outbox: ControlPlaneOutbox;
      readonly counters: CountersRepository;
      readonly transaction: Transaction;
    },
  ) {}

  asksForPerson(text: string | null): boolean {
    return this.deps.settings.asksForPerson(text);
  }

  handsOffWhenNoAnswer(): boolean {
    return this.deps.settings.get().handoffWhenNoAnswer;
  }

  handOff(conversationId: string, now = Date.now()): void {
    const { inbox, settings, outbox, counters, transaction } = this.deps;
    transaction(() => {
      inbox.setHandler(conversationId, 'human', null);
      inbox.setStatus(conversationId, 'open', null);
      this.tell(conversationId, settings.get().handoffMessage, now);
      outbox.add({ type: 'handoff_requested', conversationId, actorUserId: null, messages: null, at: now });
      counters.increment(COUNTER.handoffs);
    });
  }

  handBack(conversationId: string, now = Date.now()): void {
    const { inbox, settings, transaction } = this.deps;
    transaction(() => {
      inbox.setHandler(conversationId, 'agent', null);
      const message = settings.get().handbackMessage;
      if (message.trim()) this.tell(conversationId, message, now);
    });
  }

  private tell(conversationId: string, text: string, now: number): void {
    const messageId = this.deps.conversations.insertOutbound(conversationId, 'notice', text, null, now);
    this.deps.jobs.enqueueTeamMessage(conversationId, messageId, now);
  }
}
