import type { Capability, HeartbeatReport, NodeContext } from '../capability';
import { ReplyJobRepository } from '../messaging/reply-job.repository';
import { COUNTER, counted, type CounterSnapshot } from '../storage/counters.repository';
import { ControlPlaneOutbox } from './control-plane-outbox.repository';
import { HandoffService } from './handoff.service';
import { InboxEventStream } from './inbox-event-stream';
import { InboxEventsRepository } from './inbox-events.repository';
import { InboxSettingsStore } from './inbox-settings';
import { InboxRepository } from './inbox.repository';
import { inboxRoutes } from './inbox.routes';
import { InboxService } from './inbox.service';
import { SavedRepliesRepository } from './saved-replies.repository';
import { SavedRepliesService } from './saved-replies.service';

const DAY_MS = 86_400_000;
/** Live-update events older than this are of no use to a reconnecting dashboard. */
const EVENTS_KEPT_MS = 7 * DAY_MS;

/**
 * The team inbox: conversations across channels for people to read and answer, handoff
 * between the agent and people, saved replies, trash. Served to the dashboard in the browser
 * over node sessions; the control plane hears only ids and counts (heartbeat notices).
 */
export class InboxCapability implements Capability {
  readonly name = 'inbox';
  readonly service: InboxService;
  readonly handoff: HandoffService;
  private readonly outbox: ControlPlaneOutbox;
  private readonly events: InboxEventsRepository;
  private readonly stream: InboxEventStream;
  private readonly settings: InboxSettingsStore;
  private readonly savedReplies: SavedRepliesService;
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: NodeContext,
    /** Wakes the reply queue, which sends team messages too. */
    wakeSender: () => void,
  ) {
    const { db, conversations, counters, transaction } = ctx;
    const jobs = new ReplyJobRepository(db);
    const inbox = new InboxRepository(db);
    this.outbox = new ControlPlaneOutbox(db);
    this.events = new InboxEventsRepository(db);
    this.stream = new InboxEventStream(this.events);
    this.settings = new InboxSettingsStore(ctx.settings);
    this.savedReplies = new SavedRepliesService(new SavedRepliesRepository(db));
    const shared = { inbox, conversations, jobs, outbox: this.outbox, counters, transaction };
    this.handoff = new HandoffService({ ...shared, settings: this.settings });
    this.service = new InboxService({ ...shared, handoff: this.handoff, wakeSender });
  }

  routes() {
    return inboxRoutes({
      inbox: this.service,
      savedReplies: this.savedReplies,
      settings: this.settings,
      events: this.stream,
    });
  }

  /** Nightly: conversations 30 days in the trash are erased; old live-update events go. */
  schedule(): void {
    const run = () => {
      const now = Date.now();
      const purged = this.service.purgeTrash(now);
      this.events.pruneBefore(now - EVENTS_KEPT_MS);
      if (purged > 0) this.ctx.logger.info({ conversationCount: purged }, 'trash purged');
    };
    run();
    this.purgeTimer = setInterval(run, DAY_MS);
    this.purgeTimer.unref();
  }

  stop(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.stream.closeAll();
  }

  heartbeat(counters: CounterSnapshot) {
    const notices = this.outbox.pending().map((e) => ({
      id: e.id,
      type: e.type,
      conversationId: e.conversationId,
      actorUserId: e.actorUserId,
      messages: e.messages,
      at: new Date(e.at).toISOString(),
    }));
    return {
      counters: {
        handoffs: counted(counters, COUNTER.handoffs),
        humanReplies: counted(counters, COUNTER.humanReplies),
      },
      inboxNotices: notices,
    };
  }

  acknowledged(report: HeartbeatReport): void {
    const last = report.inboxNotices?.at(-1);
    if (last) this.outbox.acknowledge(last.id);
  }
}
