import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { SecretRecordDto, SetSecretDto, SetSecretResultDto } from './dto/secret.dto';
import { SECRET_ERRORS } from './secrets.errors';
import { PROVIDER_KEY_KINDS, type ProviderKeyKind, SecretsService } from './secrets.service';

function providerKind(kind: string): ProviderKeyKind {
  if (!(PROVIDER_KEY_KINDS as readonly string[]).includes(kind)) {
    throw domainError(SECRET_ERRORS.invalidKind, {
      message: `Secret kind must be one of ${PROVIDER_KEY_KINDS.join(', ')} (channel credentials are set on their channel).`,
      details: { allowed: PROVIDER_KEY_KINDS },
    });
  }
  return kind as ProviderKeyKind;
}

/** Secret records (mask + fingerprint + timestamps) and the model provider keys. Values are write-only. */
@ApiTags('secrets')
@Controller('workspaces/:id/secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Get()
  @ApiOkResponse({ type: SecretRecordDto, isArray: true })
  list(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<SecretRecordDto[]> {
    return this.secrets.list(id, user.id);
  }

  /** Validates the key with the provider's model list, then delivers it to the node. */
  @Put(':kind')
  @ApiOkResponse({ type: SetSecretResultDto })
  set(
    @UuidParam('id') id: string,
    @Param('kind') kind: string,
    @CurrentUser() user: UserEntity,
    @Body() body: SetSecretDto,
    @Actor() actor: AuditActor,
  ): Promise<SetSecretResultDto> {
    return this.secrets.setProviderKey(id, user.id, providerKind(kind), body.value, actor);
  }

  @Delete(':kind')
  @HttpCode(204)
  remove(
    @UuidParam('id') id: string,
    @Param('kind') kind: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    return this.secrets.removeProviderKey(id, user.id, providerKind(kind), actor);
  }
}
