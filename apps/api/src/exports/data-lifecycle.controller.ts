import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import { domainError, REQUEST_ERRORS } from '@enclave/platform';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { DataLifecycleService } from './data-lifecycle.service';
import { ExportRequestsService } from './export-requests.service';
import {
  conversationIdSchema,
  EraseResultDto,
  ExportJobDto,
  ExportRecordDto,
  RequestExportDto,
  RetentionDto,
  RetentionResultDto,
  SetRetentionDto,
} from './dto/exports.dto';

@ApiTags('exports')
@Controller('workspaces/:id')
export class DataLifecycleController {
  constructor(
    private readonly lifecycle: DataLifecycleService,
    private readonly exports: ExportRequestsService,
  ) {}

  /**
   * Any member: the node starts building the archive in the background (or this joins the export
   * it is already building) and the answer comes at once, `preparing`; poll GET exports/:exportId.
   */
  @Post('exports')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ExportJobDto })
  requestExport(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: RequestExportDto,
    @Actor() actor: AuditActor,
  ): Promise<ExportJobDto> {
    return this.exports.request(id, user.id, body.ttlSeconds, actor);
  }

  @Get('exports')
  @ApiOkResponse({ type: ExportRecordDto, isArray: true })
  listExports(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<ExportRecordDto[]> {
    return this.exports.list(id, user.id);
  }

  /** Any member: the export as the node has it now; once ready, its signed, expiring link on the node's domain. */
  @Get('exports/:exportId')
  @ApiOkResponse({ type: ExportJobDto })
  exportStatus(
    @UuidParam('id') id: string,
    @UuidParam('exportId') exportId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<ExportJobDto> {
    return this.exports.status(id, user.id, exportId, actor);
  }

  /** Owners: deletes one conversation and its messages on the node. */
  @Post('conversations/:conversationId/erase')
  @HttpCode(200)
  @ApiOkResponse({ type: EraseResultDto })
  erase(
    @UuidParam('id') id: string,
    @Param('conversationId') conversationId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<EraseResultDto> {
    const parsed = conversationIdSchema.safeParse(conversationId);
    if (!parsed.success)
      throw domainError(REQUEST_ERRORS.invalidId, {
        message: parsed.error.issues[0]?.message ?? 'invalid conversation id',
        details: { param: 'conversationId' },
      });
    return this.lifecycle.eraseConversation(id, user.id, parsed.data, actor);
  }

  /** Any member: the retention window asked of the node, and when the node applied it. */
  @Get('retention')
  @ApiOkResponse({ type: RetentionDto })
  retention(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<RetentionDto> {
    return this.lifecycle.retention(id, user.id);
  }

  /** Admins: the node purges messages older than this many days every night. */
  @Put('retention')
  @ApiOkResponse({ type: RetentionResultDto })
  setRetention(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: SetRetentionDto,
    @Actor() actor: AuditActor,
  ): Promise<RetentionResultDto> {
    return this.lifecycle.setRetention(id, user.id, body.days, actor);
  }
}
