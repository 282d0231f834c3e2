import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { composeTeamNotice, MailerService } from '@enclave/mailer';
import { WorkspaceEntity, workspaceMembers } from '@enclave/persistence';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';
import type { Job } from 'bullmq';
import { DataSource, IsNull } from 'typeorm';

export interface InboxHandoffResult {
  mailed: number;
  skipped?: 'workspace_gone';
}

/** What a job remembers between attempts (in its BullMQ progress): the members already mailed, by id. */
interface Progress {
  mailed: string[];
}

function mailedSoFar(job: Job | undefined): Set<string> {
  const progress = job?.progress as Partial<Progress> | number | undefined;
  return new Set(typeof progress === 'object' && Array.isArray(progress.mailed) ? progress.mailed : []);
}

/**
 * A node handed a conversation to people: every member of the workspace gets one mail saying a
 * conversation waits, with a link to it in the inbox — never its content, the contact's name or
 * handle (the control plane has none of them). A failed send fails the job for BullMQ's retry
 * with backoff; the members already mailed are kept in the job's progress and not mailed again.
 */
@Injectable()
export class InboxHandoffHandler implements JobHandler<JobName.InboxHandoff> {
  readonly jobName = JobName.InboxHandoff;
  private readonly logger = new Logger(InboxHandoffHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly mailer: MailerService,
  ) {}

  async handle(payload: JobPayloads[JobName.InboxHandoff], job?: Job): Promise<InboxHandoffResult> {
    const { workspaceId, conversationId } = payload;
    const workspace = await this.dataSource
      .getRepository(WorkspaceEntity)
      .findOneBy({ id: workspaceId, deletedAt: IsNull() });
    if (!workspace) return { mailed: 0, skipped: 'workspace_gone' };
    const mail = composeTeamNotice({ kind: 'handoff_requested', workspace, conversationId }, this.config);
    const mailed = mailedSoFar(job);
    let failures = 0;
    for (const member of await workspaceMembers(this.dataSource.manager, workspaceId)) {
      if (mailed.has(member.id)) continue;
      try {
        await this.mailer.send({ ...mail, to: member.email, category: 'team' });
        mailed.add(member.id);
        await job?.updateProgress({ mailed: [...mailed] } satisfies Progress);
      } catch (error) {
        failures += 1;
        this.logger.warn({ err: error, workspaceId, userId: member.id }, 'handoff notice could not be mailed');
      }
    }
    if (failures) throw new Error(`handoff notice: ${failures} member(s) not mailed yet`);
    return { mailed: mailed.size };
  }
}
