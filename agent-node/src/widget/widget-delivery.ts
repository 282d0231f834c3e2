import { ChannelSendError, type LocalSender, type SendOutcome, type SendTextInput } from '../channels/channel-sender';
import type { ChannelRow, ConfigRepository } from '../storage/config.repository';
import type { ConversationRepository, ConversationRow } from '../storage/conversation.repository';
import type { Transaction } from '../storage/database';
import type { WidgetHub } from './widget-hub';
import type { WidgetRepository } from './widget.repository';

/**
 * "Sending" on the web channel: the stored message joins the conversation's widget event log and
 * every open panel of that conversation gets it. Agent replies, team replies from the inbox and
 * handoff notices all come through here (the reply queue's send step), so the widget sees what
 * the other channels would have sent, after the same takeover checks.
 */
export class WidgetDelivery implements LocalSender {
  constructor(
    private readonly repo: WidgetRepository,
    private readonly hub: WidgetHub,
    private readonly conversations: Pick<ConversationRepository, 'findConversation'>,
    private readonly transaction: Transaction,
    private readonly config: Pick<ConfigRepository, 'getChannel'>,
  ) {}

  send(channel: ChannelRow, input: SendTextInput): SendOutcome {
    const conversation = this.conversations.findConversation(channel.id, input.externalChatId);
    if (!conversation) throw new ChannelSendError('conversation_gone', false);
    if (input.messageId === undefined) throw new ChannelSendError('message_unknown', false);
    const messageId = input.messageId;
    const eventId = this.transaction(
      () => this.repo.eventOf(messageId) ?? this.repo.addEvent(conversation.id, messageId, Date.now()),
    );
    this.hub.publish(conversation.id);
    return { status: 'sent', externalId: `web-${eventId}` };
  }

  /**
   * A widget conversation's reply is streamed: its fragments go to whichever panels watch it at
   * the time (one may connect while the model writes); other channels' replies are not.
   */
  replyStream(conversation: ConversationRow, inboundId: number): ((text: string) => void) | undefined {
    if (this.config.getChannel(conversation.channelId)?.type !== 'web') return undefined;
    return (text) => this.hub.delta(conversation.id, inboundId, text);
  }
}
