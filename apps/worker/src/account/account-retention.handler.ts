import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { pruneAuditChain } from '@enclave/audit';
import { type JobHandler, JobName, QueueService } from '@enclave/queue';
import { DataSource } from 'typeorm';

export const ACCOUNT_RETENTION_EVERY_MS = 60 * 60_000;
/** Audit events are kept two years, then pruned from the start of the chain (pruneAuditChain). */
export const AUDIT_RETENTION_DAYS = 730;

/**
 * The retention schedule of the control plane's own account records (docs/data-placement.md
 * "Retention schedule" is the same table, in words). Each rule is one DELETE or UPDATE with its
 * SQL visible; all are idempotent, so a retried or overlapping run changes nothing twice.
 */
export const RETENTION_RULES = [
  {
    name: 'sessions',
    rule: 'sessions 30 days after they expired or were revoked',
    sql: `DELETE FROM sessions WHERE COALESCE(revoked_at, expires_at) < now() - interval '30 days'
            OR expires_at < now() - interval '30 days'`,
  },
  {
    name: 'magic_link_tokens',
    rule: 'sign-in links 7 days after they were requested (they expire within an hour)',
    sql: `DELETE FROM magic_link_tokens WHERE created_at < now() - interval '7 days'`,
  },
  {
    name: 'email_change_requests',
    rule: 'email-change links 7 days after they were requested',
    sql: `DELETE FROM email_change_requests WHERE created_at < now() - interval '7 days'`,
  },
  {
    name: 'account_exports_stuck',
    rule: 'an account export still pending an hour after the request is marked failed (the user may ask again)',
    sql: `UPDATE account_exports SET status = 'failed', completed_at = now()
          WHERE status = 'pending' AND created_at < now() - interval '1 hour'`,
  },
  {
    name: 'account_export_archives',
    rule: 'an account export archive as soon as its link expired',
    sql: `UPDATE account_exports SET archive = NULL WHERE archive IS NOT NULL AND expires_at < now()`,
  },
  {
    name: 'account_exports',
    rule: 'account export records 30 days after they were requested',
    sql: `DELETE FROM account_exports WHERE created_at < now() - interval '30 days'`,
  },
] as const;

export type RetentionResult = Record<(typeof RETENTION_RULES)[number]['name'] | 'audit_events', number>;

/** Hourly: applies RETENTION_RULES, then prunes audit events older than AUDIT_RETENTION_DAYS. */
@Injectable()
export class AccountRetentionHandler implements JobHandler<JobName.AccountRetention>, OnApplicationBootstrap {
  readonly jobName = JobName.AccountRetention;
  private readonly logger = new Logger(AccountRetentionHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue
      .queueOf(JobName.AccountRetention)
      .upsertJobScheduler(
        'account-retention',
        { every: ACCOUNT_RETENTION_EVERY_MS },
        { name: JobName.AccountRetention, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
  }

  async handle(): Promise<RetentionResult> {
    const result = {} as RetentionResult;
    for (const { name, sql } of RETENTION_RULES) {
      const [, affected] = (await this.dataSource.query(sql)) as [unknown, number];
      result[name] = affected ?? 0;
    }
    result.audit_events = await pruneAuditChain(
      this.dataSource,
      new Date(Date.now() - AUDIT_RETENTION_DAYS * 86_400_000),
    );
    this.logger.log(result, 'retention schedule applied');
    return result;
  }
}
