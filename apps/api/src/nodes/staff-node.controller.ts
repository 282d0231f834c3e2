import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import { Actor } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { StaffGuard } from '../staff/staff.guard';
import { SuspensionResultDto } from './dto/node.dto';
import { NodeSuspensionService } from './node-suspension.service';

@ApiTags('staff')
@Controller('staff/workspaces/:id')
@UseGuards(StaffGuard)
export class StaffNodeController {
  constructor(private readonly suspension: NodeSuspensionService) {}

  @Post('suspend')
  @HttpCode(200)
  @ApiOkResponse({ type: SuspensionResultDto })
  suspend(@UuidParam('id') id: string, @Actor() actor: AuditActor): Promise<SuspensionResultDto> {
    return this.suspension.set(id, true, actor);
  }

  @Post('resume')
  @HttpCode(200)
  @ApiOkResponse({ type: SuspensionResultDto })
  resume(@UuidParam('id') id: string, @Actor() actor: AuditActor): Promise<SuspensionResultDto> {
    return this.suspension.set(id, false, actor);
  }
}
