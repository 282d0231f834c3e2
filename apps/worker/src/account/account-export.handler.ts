import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { AccountExportEntity, collectAccountData } from '@enclave/persistence';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { type JobHandler, JobName, type JobPayloads } from '@enclave/queue';
import { strToU8, zipSync } from 'fflate';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

const ACTOR: AuditActor = { type: 'system', id: `job:${JobName.AccountExport}` };

const README = `Enclave: everything the control plane holds about you
=====================================================

account.json                your profile and marketing choice
identities.json             the sign-in methods linked to your account (no tokens: we keep none)
sessions.json               your sessions (signed-in browsers): when, from which IP and browser
memberships.json            the workspaces you belong to and your role
workspaces.json             the workspaces you own, with their billing metadata (Stripe ids, subscription states)
email-change-requests.json  email address changes you asked for
audit-events.json           the audit events of actions you took

Conversations, contacts and knowledge live on each workspace's own server, not here:
export them from the workspace's Data page.
`;

export type AccountExportResult = { outcome: 'built'; bytes: number } | { outcome: 'skipped'; reason: string };

/**
 * Builds a user's "Download my data" archive: JSON files in a zip (fflate, in memory: a user's
 * control-plane records are small), stored on the export row until it expires. Idempotent: a
 * retried job whose export is already built, or whose user is gone, does nothing.
 */
@Injectable()
export class AccountExportHandler implements JobHandler<JobName.AccountExport> {
  readonly jobName = JobName.AccountExport;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly audit: AuditService,
  ) {}

  async handle(payload: JobPayloads[JobName.AccountExport]): Promise<AccountExportResult> {
    return this.dataSource.transaction(async (manager): Promise<AccountExportResult> => {
      const row = await manager.findOne(AccountExportEntity, {
        where: { id: payload.exportId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) return { outcome: 'skipped', reason: 'export gone (account deleted or expired)' };
      if (row.status !== 'pending') return { outcome: 'skipped', reason: `export is ${row.status}` };
      // Read in the same (read committed) transaction: one consistent moment per table.
      const data = await collectAccountData(manager, row.userId);
      const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);
      const generatedAt = new Date();
      const archive = Buffer.from(
        zipSync(
          {
            'README.txt': strToU8(README),
            'manifest.json': json({ format: 'enclave-account-export/1', userId: row.userId, generatedAt }),
            'account.json': json(data.account),
            'identities.json': json(data.identities),
            'sessions.json': json(data.sessions),
            'memberships.json': json(data.memberships),
            'workspaces.json': json(data.ownedWorkspaces),
            'email-change-requests.json': json(data.emailChangeRequests),
            'audit-events.json': json(data.auditEvents),
          },
          { level: 6, mtime: generatedAt },
        ),
      );
      row.status = 'ready';
      row.archive = archive;
      row.bytes = archive.length;
      row.sha256 = createHash('sha256').update(archive).digest('hex');
      row.completedAt = generatedAt;
      row.expiresAt = new Date(generatedAt.getTime() + this.config.ACCOUNT_EXPORT_TTL_HOURS * 3_600_000);
      await manager.save(row);
      await this.audit.record(manager, {
        actor: ACTOR,
        action: 'account.export_ready',
        target: { type: 'account_export', id: row.id },
        details: {
          userId: row.userId,
          bytes: row.bytes,
          expiresAt: row.expiresAt.toISOString(),
          auditEvents: data.auditEvents.length,
          memberships: data.memberships.length,
        },
      });
      return { outcome: 'built', bytes: archive.length };
    });
  }
}
