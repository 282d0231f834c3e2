import { Body, Controller, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from 'nestjs-zod';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { DeliveryResultDto } from '../nodes/dto/node.dto';
import { ChannelsService } from './channels.service';
import {
  ChannelDto,
  ChannelResultDto,
  type CreateChannelInput,
  createChannelSchema,
  RotateCredentialsDto,
  UpdateChannelDto,
} from './dto/channel.dto';

/** Members read, admins create/change/rotate, owners delete. Credentials are write-only. */
@ApiTags('channels')
@Controller('workspaces/:id/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @ApiOkResponse({ type: ChannelDto, isArray: true })
  list(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<ChannelDto[]> {
    return this.channels.list(id, user.id);
  }

  @Post()
  @ApiBody({
    description:
      'Telegram: {type:"telegram", agentId, botToken}; WhatsApp: {type:"whatsapp", agentId, phoneNumberId, accessToken, appSecret}',
  })
  @ApiCreatedResponse({ type: ChannelResultDto })
  create(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body(new ZodValidationPipe(createChannelSchema)) body: CreateChannelInput,
    @Actor() actor: AuditActor,
  ): Promise<ChannelResultDto> {
    return this.channels.create(id, user.id, body, actor);
  }

  @Get(':channelId')
  @ApiOkResponse({ type: ChannelDto })
  get(
    @UuidParam('id') id: string,
    @UuidParam('channelId') channelId: string,
    @CurrentUser() user: UserEntity,
  ): Promise<ChannelDto> {
    return this.channels.get(id, user.id, channelId);
  }

  @Patch(':channelId')
  @ApiOkResponse({ type: ChannelResultDto })
  update(
    @UuidParam('id') id: string,
    @UuidParam('channelId') channelId: string,
    @CurrentUser() user: UserEntity,
    @Body() body: UpdateChannelDto,
    @Actor() actor: AuditActor,
  ): Promise<ChannelResultDto> {
    return this.channels.update(id, user.id, channelId, body, actor);
  }

  @Put(':channelId/credentials')
  @ApiOkResponse({ type: ChannelResultDto })
  rotate(
    @UuidParam('id') id: string,
    @UuidParam('channelId') channelId: string,
    @CurrentUser() user: UserEntity,
    @Body() body: RotateCredentialsDto,
    @Actor() actor: AuditActor,
  ): Promise<ChannelResultDto> {
    return this.channels.rotate(id, user.id, channelId, body, actor);
  }

  @Delete(':channelId')
  @ApiOkResponse({ type: DeliveryResultDto })
  remove(
    @UuidParam('id') id: string,
    @UuidParam('channelId') channelId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<DeliveryResultDto> {
    return this.channels.remove(id, user.id, channelId, actor);
  }
}
