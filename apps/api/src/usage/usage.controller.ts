import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { UserEntity } from '@enclave/persistence';
import { CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { UsageDto, UsageQueryDto } from './usage.dto';
import { UsageService } from './usage.service';

@ApiTags('usage')
@Controller('workspaces/:id/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** Daily message counts per channel type, handoffs and human replies, from node heartbeats (counts only). */
  @Get()
  @ApiOkResponse({ type: UsageDto })
  series(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Query() query: UsageQueryDto,
  ): Promise<UsageDto> {
    return this.usage.series(id, user.id, query.days);
  }
}
