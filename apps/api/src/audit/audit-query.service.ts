import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditEventEntity } from '@enclave/persistence';
import type { z } from 'zod';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import type { AuditPageDto, staffAuditFilterSchema } from './dto/audit-query.dto';

export type AuditFilter = z.infer<typeof staffAuditFilterSchema>;
type AuditEventDto = AuditPageDto['items'][number];

export function toAuditEventDto(event: AuditEventEntity): AuditEventDto {
  return {
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    actorType: event.actorType,
    actorId: event.actorId,
    workspaceId: event.workspaceId,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    ip: event.ip,
    userAgent: event.userAgent,
    outcome: event.outcome,
    details: event.details,
    hash: event.hash,
  };
}

/**
 * Newest first, keyset-paginated on the id sequence: a page is `id < cursor`, so rows
 * inserted meanwhile never shift or repeat a page, and each page is an index range scan.
 */
@Injectable()
export class AuditQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async page(filter: AuditFilter, cursor: string | undefined, limit: number): Promise<AuditPageDto> {
    const query = this.filtered(filter).take(limit + 1);
    if (cursor) query.andWhere('e.id < :cursor', { cursor });
    const rows = await query.getMany();
    const items = rows.slice(0, limit);
    return { items: items.map(toAuditEventDto), nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** Every matching event, newest first, in batches: the CSV export streams from this. */
  async *all(filter: AuditFilter, batchSize = 2000): AsyncGenerator<AuditEventEntity> {
    let cursor: string | undefined;
    for (;;) {
      const query = this.filtered(filter).take(batchSize);
      if (cursor) query.andWhere('e.id < :cursor', { cursor });
      const batch = await query.getMany();
      yield* batch;
      if (batch.length < batchSize) return;
      cursor = batch[batch.length - 1].id;
    }
  }

  private filtered(filter: AuditFilter): SelectQueryBuilder<AuditEventEntity> {
    const query = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e').orderBy('e.id', 'DESC');
    if (filter.workspaceId) query.andWhere('e.workspace_id = :workspaceId', { workspaceId: filter.workspaceId });
    if (filter.actorType) query.andWhere('e.actor_type = :actorType', { actorType: filter.actorType });
    if (filter.actorId) query.andWhere('e.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.action?.endsWith('.')) query.andWhere('e.action LIKE :prefix', { prefix: `${filter.action}%` });
    else if (filter.action) query.andWhere('e.action = :action', { action: filter.action });
    if (filter.from) query.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('e.occurred_at < :to', { to: filter.to });
    return query;
  }
}
