import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditEventEntity } from '@enclave/persistence';
import type { z } from 'zod';
import { DataSource } from 'typeorm';
import type { AuditPageDto, staffAuditFilterSchema } from './dto/audit-query.dto';
import { actionFamilySql, type AuditStatement, isActionFamily, pageSql, toEntity } from './audit-query.sql';

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
 * inserted meanwhile never shift or repeat a page, and each page is an index range scan
 * (the statements and the indexes they use: audit-query.sql.ts, migrations 1764900000000 and
 * 1765400000000).
 */
@Injectable()
export class AuditQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async page(filter: AuditFilter, cursor: string | undefined, limit: number): Promise<AuditPageDto> {
    const rows = await this.rows(filter, cursor, limit + 1);
    const items = rows.slice(0, limit);
    return { items: items.map(toAuditEventDto), nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** Every matching event, newest first, in batches: the CSV export streams from this. */
  async *all(filter: AuditFilter, batchSize = 2000): AsyncGenerator<AuditEventEntity> {
    let cursor: string | undefined;
    for (;;) {
      const batch = await this.rows(filter, cursor, batchSize);
      yield* batch;
      if (batch.length < batchSize) return;
      cursor = batch[batch.length - 1].id;
    }
  }

  /** The newest `limit` events below `cursor`: one statement, or one per action of a family, merged by id. */
  private async rows(filter: AuditFilter, cursor: string | undefined, limit: number): Promise<AuditEventEntity[]> {
    const actions = isActionFamily(filter.action) ? await this.familyActions(filter.action) : [filter.action];
    const pages = await Promise.all(actions.map((action) => this.run(pageSql({ ...filter, action }, cursor, limit))));
    return pages
      .flat()
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
      .slice(0, limit);
  }

  private async familyActions(family: string): Promise<string[]> {
    const { text, params } = actionFamilySql(family);
    return ((await this.dataSource.query(text, params)) as Array<{ action: string }>).map(({ action }) => action);
  }

  private async run({ text, params }: AuditStatement): Promise<AuditEventEntity[]> {
    return ((await this.dataSource.query(text, params)) as Array<Record<string, unknown>>).map(toEntity);
  }
}
