import type { ChannelGateway } from '../channels/channel.gateway';
import type { ChannelSendError, SendOutcome } from '../channels/channel-sender';
import type { NodeLogger } from '../logging/logger';
import type { ChannelRow } from '../storage/config.repository';
import type { ConversationRepository, ConversationRow, MessageRow } from '../storage/conversation.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { Transaction } from '../storage/database';
import { backoffMs } from './model-attempts';
import type { ReplyJobRepository, ReplyJobRow } from './reply-job.repository';

export interface ReplySendDeps {
  readonly jobs: ReplyJobRepository;
  readonly conversations: ConversationRepository;
  readonly counters: CountersRepository;
  readonly transaction: Transaction;
  readonly channels: Pick<ChannelGateway, 'send'>;
}

export interface ReplySendOptions {
  readonly maxSendAttempts: number;
  readonly sendBackoffBaseMs: number;
}

/** Job outcome (reply_jobs.last_error of a skipped job) of a message WhatsApp's window kept from going out. */
export const WINDOW_CLOSED = 'window_closed';

/** How a window template appears in the conversation (a notice; the template's text lives at Meta). */
export const templateNotice = (t: { name: string; language: string }) =>
  `WhatsApp template "${t.name}" (${t.language})`;

/**
 * The send step of a reply job (agent reply, team reply or notice alike): records the attempt,
 * sends through the gateway — which applies the WhatsApp window rule — and records the outcome.
 * - sent: the message is `sent` with the provider's id;
 * - window closed: the message is `window_closed` (its text never went out) and counted; when the
 *   channel's template went instead, it is stored as a notice with the provider's id (status
 *   callbacks land on it) and the conversation remembers when;
 * - a failure is retried with backoff if transient, else the message is `failed`.
 */
export async function sendReply(
  deps: ReplySendDeps,
  options: ReplySendOptions,
  logger: NodeLogger,
  target: {
    job: ReplyJobRow;
    reply: MessageRow & { text: string };
    conversation: ConversationRow;
    channel: ChannelRow;
  },
  replyToExternalId: string | null | undefined,
): Promise<void> {
  const { job, reply, conversation, channel } = target;
  deps.transaction(() => {
    deps.jobs.markSendAttempt(job.id, Date.now());
    deps.conversations.setDelivery(reply.id, 'sending');
  });
  let outcome: SendOutcome;
  try {
    outcome = await deps.channels.send(channel, {
      channelId: channel.id,
      externalChatId: conversation.externalChatId,
      text: reply.text,
      replyToExternalId,
      window: conversation,
      messageId: reply.id,
    });
  } catch (err) {
    return failed(deps, options, logger, target, err as ChannelSendError);
  }
  const now = Date.now();
  deps.transaction(() => {
    if (outcome.status === 'sent') {
      deps.conversations.setDelivery(reply.id, 'sent', outcome.externalId);
      deps.jobs.markSent(job.id, now);
      deps.counters.increment(COUNTER.outbound(channel.type));
      return;
    }
    deps.conversations.setDelivery(reply.id, WINDOW_CLOSED);
    deps.jobs.finish(job.id, 'skipped', WINDOW_CLOSED, now);
    deps.counters.increment(COUNTER.windowClosed(channel.type));
    if (outcome.status === 'template_sent') {
      const noticeId = deps.conversations.insertOutbound(
        conversation.id,
        'notice',
        templateNotice(outcome.template),
        reply.replyTo,
        now,
      );
      deps.conversations.setDelivery(noticeId, 'sent', outcome.externalId);
      deps.conversations.markWindowTemplateSent(conversation.id, now);
      deps.counters.increment(COUNTER.outbound(channel.type));
    }
  });
  if (outcome.status !== 'sent')
    logger.info({ jobId: job.id, channelId: channel.id, outcome: outcome.status }, 'whatsapp window closed');
}

function failed(
  deps: ReplySendDeps,
  options: ReplySendOptions,
  logger: NodeLogger,
  { job, reply, channel }: { job: ReplyJobRow; reply: MessageRow; channel: ChannelRow },
  e: ChannelSendError,
): void {
  const code = e.code ?? 'unknown_error';
  const attempts = job.sendAttempts + 1;
  const now = Date.now();
  logger.warn({ jobId: job.id, channelId: channel.id, code, attempt: attempts }, 'reply send failed');
  if (e.retryable && attempts < options.maxSendAttempts) {
    deps.conversations.setDelivery(reply.id, 'pending');
    deps.jobs.retryLater(job.id, now + backoffMs(options.sendBackoffBaseMs, attempts), code, now);
    return;
  }
  deps.transaction(() => {
    deps.conversations.setDelivery(reply.id, 'failed');
    deps.jobs.finish(job.id, 'failed', code, now);
    deps.counters.increment(COUNTER.failures(channel.type));
  });
}
