import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { PutWidgetDto, WidgetDto, WidgetResultDto, WidgetSecretDto } from './dto/widget.dto';
import { WidgetService } from './widget.service';

/** Members read, admins change the widget and rotate its identity secret. */
@ApiTags('widget')
@Controller('workspaces/:id/widget')
export class WidgetController {
  constructor(private readonly widget: WidgetService) {}

  @Get()
  @ApiOkResponse({ type: WidgetDto })
  get(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<WidgetDto> {
    return this.widget.get(id, user.id);
  }

  @Put()
  @ApiOkResponse({ type: WidgetResultDto })
  put(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: PutWidgetDto,
    @Actor() actor: AuditActor,
  ): Promise<WidgetResultDto> {
    return this.widget.put(id, user.id, body, actor);
  }

  @Post('identity-secret')
  @HttpCode(200)
  @ApiOkResponse({ type: WidgetSecretDto })
  rotateSecret(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<WidgetSecretDto> {
    return this.widget.rotateSecret(id, user.id, actor);
  }
}
