import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { UserEntity } from '@enclave/persistence';
import { CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { AuditQueryService } from './audit-query.service';
import { AuditPageDto, WorkspaceAuditQueryDto } from './dto/audit-query.dto';

/** A workspace's own audit trail, for its members. */
@ApiTags('audit')
@Controller('workspaces/:id/audit-events')
export class WorkspaceAuditController {
  constructor(
    private readonly access: WorkspaceAccessService,
    private readonly auditQuery: AuditQueryService,
  ) {}

  @Get()
  @ApiOkResponse({ type: AuditPageDto })
  async list(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Query() query: WorkspaceAuditQueryDto,
  ): Promise<AuditPageDto> {
    await this.access.require(id, user.id, 'member');
    const { cursor, limit, ...filter } = query;
    return this.auditQuery.page({ ...filter, workspaceId: id }, cursor, limit);
  }
}
