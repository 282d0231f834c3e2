import { Controller, Get, Header, Query, Res, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { verifyAuditChain } from '@enclave/audit';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditQueryService } from '../audit/audit-query.service';
import { csvRow } from '../audit/csv';
import { AuditPageDto, ChainVerdictDto, StaffAuditCsvQueryDto, StaffAuditQueryDto } from '../audit/dto/audit-query.dto';
import { StaffGuard } from './staff.guard';

const CSV_COLUMNS = [
  'id',
  'occurredAt',
  'actorType',
  'actorId',
  'workspaceId',
  'action',
  'targetType',
  'targetId',
  'ip',
  'userAgent',
  'outcome',
  'details',
  'hash',
] as const;

@ApiTags('staff')
@Controller('staff/audit-events')
@UseGuards(StaffGuard)
export class StaffAuditController {
  constructor(
    private readonly auditQuery: AuditQueryService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get()
  @ApiOkResponse({ type: AuditPageDto })
  list(@Query() query: StaffAuditQueryDto): Promise<AuditPageDto> {
    const { cursor, limit, ...filter } = query;
    return this.auditQuery.page(filter, cursor, limit);
  }

  /** Streams every matching event as CSV, batch by batch, without holding them in memory. */
  @Get('export.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="enclave-audit-events.csv"')
  async csv(@Query() filter: StaffAuditCsvQueryDto, @Res() response: Response): Promise<void> {
    response.write(csvRow([...CSV_COLUMNS]));
    for await (const event of this.auditQuery.all(filter)) {
      const row = csvRow(
        CSV_COLUMNS.map((column) => (column === 'occurredAt' ? event.occurredAt.toISOString() : event[column])),
      );
      if (!response.write(row)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
  }

  @Get('chain')
  @ApiOkResponse({ type: ChainVerdictDto })
  chain(): Promise<ChainVerdictDto> {
    return verifyAuditChain(this.dataSource);
  }
}
