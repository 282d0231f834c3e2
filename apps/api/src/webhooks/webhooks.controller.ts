import { Body, Controller, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { DeliveryResultDto } from '../nodes/dto/node.dto';
import {
  CreateWebhookEndpointDto,
  PutTranscriptSettingsDto,
  TranscriptSettingsDto,
  TranscriptSettingsResultDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointResultDto,
} from './dto/webhook.dto';
import { TranscriptsService } from './transcripts.service';
import { WebhooksService } from './webhooks.service';

/**
 * Webhook endpoints and transcript mail settings (configuration only). Members read; admins
 * change. Delivery logs and replays are served by the node itself (node sessions).
 */
@ApiTags('webhooks')
@Controller('workspaces/:id')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly transcripts: TranscriptsService,
  ) {}

  @Get('webhooks')
  @ApiOkResponse({ type: WebhookEndpointDto, isArray: true })
  list(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<WebhookEndpointDto[]> {
    return this.webhooks.list(id, user.id);
  }

  /** The answer carries the signing secret (`whsec_…`) this once. */
  @Post('webhooks')
  @ApiCreatedResponse({ type: WebhookEndpointResultDto })
  create(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: CreateWebhookEndpointDto,
    @Actor() actor: AuditActor,
  ): Promise<WebhookEndpointResultDto> {
    return this.webhooks.create(id, user.id, body, actor);
  }

  @Patch('webhooks/:endpointId')
  @ApiOkResponse({ type: WebhookEndpointResultDto })
  update(
    @UuidParam('id') id: string,
    @UuidParam('endpointId') endpointId: string,
    @CurrentUser() user: UserEntity,
    @Body() body: UpdateWebhookEndpointDto,
    @Actor() actor: AuditActor,
  ): Promise<WebhookEndpointResultDto> {
    return this.webhooks.update(id, user.id, endpointId, body, actor);
  }

  /** A new signing secret, in the answer this once. */
  @Post('webhooks/:endpointId/secret')
  @ApiCreatedResponse({ type: WebhookEndpointResultDto })
  rotate(
    @UuidParam('id') id: string,
    @UuidParam('endpointId') endpointId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<WebhookEndpointResultDto> {
    return this.webhooks.rotateSecret(id, user.id, endpointId, actor);
  }

  @Delete('webhooks/:endpointId')
  @ApiOkResponse({ type: DeliveryResultDto })
  remove(
    @UuidParam('id') id: string,
    @UuidParam('endpointId') endpointId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<DeliveryResultDto> {
    return this.webhooks.remove(id, user.id, endpointId, actor);
  }

  @Get('transcripts')
  @ApiOkResponse({ type: TranscriptSettingsDto })
  getTranscripts(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<TranscriptSettingsDto> {
    return this.transcripts.get(id, user.id);
  }

  @Put('transcripts')
  @ApiOkResponse({ type: TranscriptSettingsResultDto })
  putTranscripts(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: PutTranscriptSettingsDto,
    @Actor() actor: AuditActor,
  ): Promise<TranscriptSettingsResultDto> {
    return this.transcripts.put(id, user.id, body, actor);
  }
}
