import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, RevokedApiKeyDto } from './dto/api-key.dto';

/** Keys of the node's OpenAI-compatible chat API: members read, admins create and revoke. */
@ApiTags('api-keys')
@Controller('workspaces/:id/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @ApiOkResponse({ type: ApiKeyDto, isArray: true })
  list(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<ApiKeyDto[]> {
    return this.keys.list(id, user.id);
  }

  /** The answer's `secret` is the key, shown this once. */
  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: CreateApiKeyDto,
    @Actor() actor: AuditActor,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(id, user.id, body, actor);
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: RevokedApiKeyDto })
  revoke(
    @UuidParam('id') id: string,
    @UuidParam('keyId') keyId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<RevokedApiKeyDto> {
    return this.keys.revoke(id, user.id, keyId, actor);
  }
}
