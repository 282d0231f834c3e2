import type {
  ConversationSummary,
  ConversationThread,
  InboxFilter,
  InboxMessage,
  InboxNote,
  UpdateConversation,
} from '@enclave/node-protocol';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { ReplyJobRepository } from '../messaging/reply-job.repository';
import type { ConversationRepository } from '../storage/conversation.repository';
import { COUNTER, type CountersRepository } from '../storage/counters.repository';
import type { Transaction } from '../storage/database';
import type { ControlPlaneOutbox } from './control-plane-outbox.repository';
import type { HandoffService } from './handoff.service';
import { decodeCursor, encodeCursor, ftsQuery } from './inbox-query';
import {
  TAG_SEPARATOR,
  type InboxConversationRow,
  type InboxRepository,
  type ThreadMessageRow,
} from './inbox.repository';

const PAGE_SIZE = 30;
/** Trash keeps a conversation this long, then the nightly purge erases it. */
export const TRASH_DAYS = 30;

export interface InboxServiceDeps {
  readonly inbox: InboxRepository;
  readonly conversations: Pick<ConversationRepository, 'insertOutbound' | 'eraseConversation'>;
  readonly jobs: Pick<ReplyJobRepository, 'enqueueTeamMessage'>;
  readonly outbox: ControlPlaneOutbox;
  readonly counters: CountersRepository;
  readonly transaction: Transaction;
  readonly handoff: Pick<HandoffService, 'handBack'>;
  /** New team messages are waiting in the reply queue. */
  readonly wakeSender: () => void;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toSummary(row: InboxConversationRow): ConversationSummary {
  return {
    id: row.id,
    channel: { id: row.channelId, type: row.channelType },
    status: row.status,
    snoozedUntil: iso(row.snoozedUntil),
    handler: row.handler,
    assigneeId: row.assigneeId,
    tags: row.tags ? row.tags.split(TAG_SEPARATOR).sort() : [],
    contact: { name: row.contactName, handle: row.contactHandle },
    language: row.language,
    unread: row.unread,
    lastMessage:
      row.lastAt === null || row.lastDirection === null
        ? null
        : { text: row.lastText, direction: row.lastDirection, at: new Date(row.lastAt).toISOString() },
    trashedAt: iso(row.trashedAt),
  };
}

function toMessage(row: ThreadMessageRow): InboxMessage {
  return {
    id: row.id,
    direction: row.direction,
    author: row.direction === 'in' ? 'end_user' : row.authorId ? 'human' : 'agent',
    authorId: row.authorId,
    kind: row.kind,
    text: row.text,
    deliveryStatus: row.deliveryStatus,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/**
 * The team inbox: people read conversations, answer, take them over from the agent and give
 * them back. A conversation people own is never answered by the agent (the reply queue checks
 * right before each send). Everything here stays on the node.
 */
export class InboxService {
  constructor(private readonly deps: InboxServiceDeps) {}

  list(filter: InboxFilter, now = Date.now()): { conversations: ConversationSummary[]; nextCursor: string | null } {
    const { inbox } = this.deps;
    inbox.wakeSnoozed(now);
    const limit = filter.limit ? Number(filter.limit) : PAGE_SIZE;
    const match = filter.q === undefined ? undefined : ftsQuery(filter.q);
    if (filter.q !== undefined && match === undefined) return { conversations: [], nextCursor: null };
    const rows = inbox.list({
      status: filter.status === 'all' ? undefined : filter.status,
      handler: filter.handler,
      channel: filter.channel,
      tag: filter.tag,
      assignee: filter.assignee,
      match,
      trash: filter.trash === '1',
      before: filter.before ? decodeCursor(filter.before) : undefined,
      limit,
    });
    const last = rows.at(-1);
    return {
      conversations: rows.map(toSummary),
      nextCursor: rows.length === limit && last ? encodeCursor(last) : null,
    };
  }

  /** The thread with its notes; reading it marks the conversation read. */
  thread(id: string): ConversationThread {
    const { inbox } = this.deps;
    this.require(id);
    inbox.markRead(id);
    return {
      conversation: toSummary(this.require(id)),
      messages: inbox.messages(id).map(toMessage),
      notes: inbox.notes(id).map((n): InboxNote => ({ ...n, createdAt: new Date(n.createdAt).toISOString() })),
    };
  }

  /**
   * A person's reply: stored and queued in one transaction; replying takes the conversation over.
   * It is sent like every other message (`ChannelGateway.send`): outside WhatsApp's 24-hour window
   * the channel's template goes instead, or nothing (`window_closed`).
   */
  reply(id: string, userId: string, text: string, now = Date.now()): InboxMessage {
    const { inbox, conversations, jobs, counters, transaction } = this.deps;
    const message = transaction(() => {
      const conversation = this.require(id);
      if (conversation.trashedAt !== null) throw new NodeError(NODE_ERROR.conflict, 'restore the conversation first');
      const messageId = conversations.insertOutbound(id, 'text', text, null, now, userId);
      jobs.enqueueTeamMessage(id, messageId, now);
      if (conversation.handler !== 'human' || conversation.assigneeId === null) {
        inbox.setHandler(id, 'human', conversation.assigneeId ?? userId);
      }
      counters.increment(COUNTER.humanReplies);
      return inbox.message(messageId) as ThreadMessageRow;
    });
    this.deps.wakeSender();
    return toMessage(message);
  }

  note(id: string, userId: string, text: string, now = Date.now()): InboxNote {
    this.require(id);
    const note = this.deps.inbox.addNote(id, userId, text, now);
    return { ...note, createdAt: new Date(note.createdAt).toISOString() };
  }

  update(id: string, patch: UpdateConversation, now = Date.now()): ConversationSummary {
    const { inbox, transaction } = this.deps;
    if (patch.status === 'snoozed' && !patch.snoozedUntil) {
      throw new NodeError(NODE_ERROR.validationFailed, 'snoozing needs snoozedUntil', [{ path: 'snoozedUntil' }]);
    }
    if (patch.snoozedUntil && patch.status !== 'snoozed') {
      throw new NodeError(NODE_ERROR.validationFailed, 'snoozedUntil goes with status "snoozed"', [{ path: 'status' }]);
    }
    const snoozedUntil = patch.snoozedUntil ? Date.parse(patch.snoozedUntil) : null;
    if (snoozedUntil !== null && snoozedUntil <= now) {
      throw new NodeError(NODE_ERROR.validationFailed, 'snoozedUntil must be in the future', [
        { path: 'snoozedUntil' },
      ]);
    }
    transaction(() => {
      this.require(id);
      if (patch.status) inbox.setStatus(id, patch.status, snoozedUntil);
      if (patch.assigneeId !== undefined) inbox.setAssignee(id, patch.assigneeId);
      if (patch.tags) inbox.setTags(id, patch.tags);
    });
    return toSummary(this.require(id));
  }

  /** People own the conversation from now on: the agent stays silent, even for replies already queued. */
  takeover(id: string, userId: string): ConversationSummary {
    this.require(id);
    this.deps.inbox.setHandler(id, 'human', userId);
    return toSummary(this.require(id));
  }

  /** The agent answers again; the end user is told so when a hand-back message is configured. */
  handback(id: string): ConversationSummary {
    this.require(id);
    this.deps.handoff.handBack(id);
    this.deps.wakeSender();
    return toSummary(this.require(id));
  }

  trash(id: string, userId: string, now = Date.now()): ConversationSummary {
    return this.setTrashed(id, userId, now, 'conversation_trashed');
  }

  restore(id: string, userId: string, now = Date.now()): ConversationSummary {
    return this.setTrashed(id, userId, now, 'conversation_restored');
  }

  /** Permanent: the conversation, its messages, notes, tags and search index rows, at once. */
  erase(id: string, userId: string | null, now = Date.now()): { erased: true; messages: number } {
    const { conversations, outbox, transaction } = this.deps;
    return transaction(() => {
      this.require(id);
      const { messages } = conversations.eraseConversation(id);
      outbox.add({ type: 'conversation_erased', conversationId: id, actorUserId: userId, messages, at: now });
      return { erased: true as const, messages };
    });
  }

  /** The nightly purge: conversations in the trash for longer than TRASH_DAYS. */
  purgeTrash(now = Date.now()): number {
    const ids = this.deps.inbox.trashedBefore(now - TRASH_DAYS * 86_400_000, 500);
    for (const id of ids) this.erase(id, null, now);
    return ids.length;
  }

  private setTrashed(
    id: string,
    userId: string,
    now: number,
    type: 'conversation_trashed' | 'conversation_restored',
  ): ConversationSummary {
    const { inbox, outbox, transaction } = this.deps;
    transaction(() => {
      const conversation = this.require(id);
      const trashed = type === 'conversation_trashed';
      if ((conversation.trashedAt !== null) === trashed) return; // already there: nothing to record
      inbox.setTrashed(id, trashed ? now : null);
      outbox.add({ type, conversationId: id, actorUserId: userId, messages: null, at: now });
    });
    return toSummary(this.require(id));
  }

  private require(id: string): InboxConversationRow {
    const row = this.deps.inbox.get(id);
    if (!row) throw new NodeError(NODE_ERROR.notFound, 'no such conversation');
    return row;
  }
}
