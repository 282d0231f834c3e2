import { Injectable, Logger } from '@nestjs/common';
import { type AuditActor, AuditService } from '@enclave/audit';
import type { HeartbeatRequest, InboxNotice } from '@enclave/node-protocol';
import { MembershipEntity, NodeEntity } from '@enclave/persistence';
import { JOB_IDS, JobName, nodeConversationIdSchema, QueueService } from '@enclave/queue';
import type { EntityManager } from 'typeorm';

const AUDIT_ACTION: Record<InboxNotice['type'], string> = {
  handoff_requested: 'inbox.handoff_requested',
  conversation_trashed: 'inbox.conversation_trashed',
  conversation_restored: 'inbox.conversation_restored',
  conversation_erased: 'inbox.conversation_erased',
};

/**
 * The inbox part of a heartbeat, inside the heartbeat's transaction with the node row locked:
 * handoff and human-reply counts added to the day's `inbox` usage row, and each inbox notice
 * processed exactly once (ids up to `nodes.last_inbox_notice_id` are skipped, so a beat sent
 * again changes nothing). Every notice is audited (ids and counts only); a handoff also
 * enqueues the mail to the team, in the same transaction (outbox), under a job id derived from
 * the notice, so a notice mails once.
 */
@Injectable()
export class InboxNoticesService {
  private readonly logger = new Logger(InboxNoticesService.name);

  constructor(
    private readonly audit: AuditService,
    private readonly queue: QueueService,
  ) {}

  async apply(manager: EntityManager, node: NodeEntity, at: Date, beat: HeartbeatRequest): Promise<void> {
    await this.addUsage(manager, node.workspaceId, at, beat.counters);
    const last = Number(node.lastInboxNoticeId);
    const byId = new Map((beat.inboxNotices ?? []).filter((n) => n.id > last).map((n) => [n.id, n]));
    const fresh = [...byId.values()].sort((a, b) => a.id - b.id);
    if (!fresh.length) return;
    const members = await this.memberIds(manager, node.workspaceId, fresh);
    for (const notice of fresh) {
      const actor: AuditActor =
        notice.actorUserId && members.has(notice.actorUserId)
          ? { type: 'user', id: notice.actorUserId }
          : { type: 'system', id: null };
      await this.audit.record(manager, {
        actor,
        action: AUDIT_ACTION[notice.type],
        workspaceId: node.workspaceId,
        target: { type: 'conversation', id: notice.conversationId },
        details: {
          nodeId: node.id,
          conversationId: notice.conversationId,
          ...(notice.messages === null ? {} : { messages: notice.messages }),
        },
      });
      if (notice.type === 'handoff_requested') await this.enqueueHandoff(manager, node, notice);
    }
    const newest = fresh[fresh.length - 1].id;
    node.lastInboxNoticeId = String(newest);
    await manager.update(NodeEntity, { id: node.id }, { lastInboxNoticeId: String(newest) });
  }

  private async enqueueHandoff(manager: EntityManager, node: NodeEntity, notice: InboxNotice): Promise<void> {
    if (!nodeConversationIdSchema.safeParse(notice.conversationId).success) {
      this.logger.warn({ nodeId: node.id, noticeId: notice.id }, 'handoff notice with an unusable conversation id');
      return;
    }
    await this.queue.enqueue(
      manager,
      JobName.InboxHandoff,
      { workspaceId: node.workspaceId, nodeId: node.id, noticeId: notice.id, conversationId: notice.conversationId },
      { jobId: JOB_IDS.inboxHandoff(node.id, notice.id) },
    );
  }

  /** The reported actors who are members of the workspace (anyone else is recorded as the system). */
  private async memberIds(manager: EntityManager, workspaceId: string, notices: InboxNotice[]): Promise<Set<string>> {
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const ids = [...new Set(notices.map((n) => n.actorUserId).filter((id): id is string => !!id && UUID.test(id)))];
    if (!ids.length) return new Set();
    const rows = await manager
      .createQueryBuilder(MembershipEntity, 'm')
      .where('m.workspace_id = :workspaceId AND m.user_id IN (:...ids)', { workspaceId, ids })
      .getMany();
    return new Set(rows.map((m) => m.userId));
  }

  /** Upsert-add into today's (UTC) `inbox` row, like the channel counts. */
  private async addUsage(
    manager: EntityManager,
    workspaceId: string,
    at: Date,
    counters: HeartbeatRequest['counters'],
  ): Promise<void> {
    const handoffs = Math.max(0, counters.handoffs ?? 0);
    const humanReplies = Math.max(0, counters.humanReplies ?? 0);
    if (handoffs + humanReplies <= 0) return;
    await manager.query(
      `INSERT INTO usage_daily (workspace_id, day, channel, handoffs, human_replies) VALUES ($1, $2, 'inbox', $3, $4)
       ON CONFLICT (workspace_id, day, channel) DO UPDATE SET
         handoffs = usage_daily.handoffs + EXCLUDED.handoffs,
         human_replies = usage_daily.human_replies + EXCLUDED.human_replies`,
      [workspaceId, at.toISOString().slice(0, 10), handoffs, humanReplies],
    );
  }
}
