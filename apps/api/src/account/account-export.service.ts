import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, type AuditActor } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import { AccountExportEntity } from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { DataSource, In, MoreThan } from 'typeorm';
import { ACCOUNT_ERRORS } from './account.errors';
import type { AccountExportDto } from './dto/account.dto';

/** One export at a time, and at most one finished export per hour: the archive is rebuilt from scratch each time. */
const REQUEST_INTERVAL_MS = 60 * 60_000;

function toDto(row: AccountExportEntity): AccountExportDto {
  const usable = row.status === 'ready' && row.expiresAt !== null && row.expiresAt.getTime() > Date.now();
  return {
    id: row.id,
    status: row.status,
    bytes: row.bytes,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    downloadUrl: usable ? `/api/account/exports/${row.id}/download` : null,
  };
}

/**
 * "Download my data": the request is recorded and its job enqueued (outbox) in one transaction;
 * the worker builds the zip (apps/worker/src/account/account-export.handler.ts). The link is
 * same-origin and answers only to the session of the user who asked, until the export expires.
 */
@Injectable()
export class AccountExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly queues: QueueService,
  ) {}

  async request(userId: string, actor: AuditActor): Promise<AccountExportDto> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`account-export:${userId}`]);
      const busy = await manager.existsBy(AccountExportEntity, [
        { userId, status: 'pending' },
        { userId, status: In(['ready', 'failed']), createdAt: MoreThan(new Date(Date.now() - REQUEST_INTERVAL_MS)) },
      ]);
      if (busy) throw domainError(ACCOUNT_ERRORS.exportRateLimited);
      const saved = await manager.save(
        AccountExportEntity,
        manager.create(AccountExportEntity, { userId, status: 'pending' }),
      );
      await this.queues.enqueue(
        manager,
        JobName.AccountExport,
        { exportId: saved.id },
        { jobId: JOB_IDS.accountExport(saved.id) },
      );
      await this.audit.record(manager, {
        actor,
        action: 'account.export_requested',
        target: { type: 'account_export', id: saved.id },
      });
      return toDto(saved);
    });
  }

  async list(userId: string): Promise<AccountExportDto[]> {
    const rows = await this.dataSource
      .getRepository(AccountExportEntity)
      .find({ where: { userId }, order: { createdAt: 'DESC' }, take: 20 });
    return rows.map(toDto);
  }

  /** The archive, for its own user only (anyone else gets the same 404 as for no export), until it expires. */
  async download(userId: string, exportId: string, actor: AuditActor): Promise<{ archive: Buffer; createdAt: Date }> {
    const row = await this.dataSource
      .getRepository(AccountExportEntity)
      .createQueryBuilder('e')
      .addSelect('e.archive')
      .where('e.id = :exportId AND e.user_id = :userId', { exportId, userId })
      .getOne();
    if (!row) throw domainError(ACCOUNT_ERRORS.exportNotFound);
    if (row.status !== 'ready') throw domainError(ACCOUNT_ERRORS.exportNotReady);
    if (!row.archive || !row.expiresAt || row.expiresAt.getTime() <= Date.now())
      throw domainError(ACCOUNT_ERRORS.exportExpired);
    await this.audit.recordAlone({
      actor,
      action: 'account.export_downloaded',
      target: { type: 'account_export', id: row.id },
      details: { bytes: row.bytes },
    });
    return { archive: row.archive, createdAt: row.createdAt };
  }
}
