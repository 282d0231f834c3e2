import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import type { Response } from 'express';
import { SentDto } from '../auth/dto/auth.dto';
import { type SessionCookie, sessionCookie } from '../auth/cookies';
import { Actor, type AppRequest, CurrentUser, Public } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import type { UserEntity } from '@enclave/persistence';
import { AccountDeletionService } from './account-deletion.service';
import { AccountExportService } from './account-export.service';
import { AccountService } from './account.service';
import {
  AccountDto,
  AccountExportDto,
  ChangeEmailDto,
  DeleteAccountDto,
  TokenQueryDto,
  UpdateAccountDto,
} from './dto/account.dto';
import { EmailChangeService } from './email-change.service';

/** The signed-in user's own account (the dashboard's Account page). */
@ApiTags('account')
@Controller('account')
export class AccountController {
  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly account: AccountService,
    private readonly emailChange: EmailChangeService,
    private readonly exports: AccountExportService,
    private readonly deletion: AccountDeletionService,
  ) {
    this.cookie = sessionCookie(config);
  }

  private readonly cookie: SessionCookie;

  @Get()
  @ApiOkResponse({ type: AccountDto })
  get(@Req() request: AppRequest): Promise<AccountDto> {
    return this.account.get(request.auth!);
  }

  @Patch()
  @ApiOkResponse({ type: AccountDto })
  update(@Req() request: AppRequest, @Body() body: UpdateAccountDto, @Actor() actor: AuditActor): Promise<AccountDto> {
    return this.account.update(request.auth!, body, actor);
  }

  /** Mails a confirmation link to the new address; nothing changes until it is opened. */
  @Post('email')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SentDto })
  async changeEmail(
    @CurrentUser() user: UserEntity,
    @Body() body: ChangeEmailDto,
    @Actor() actor: AuditActor,
  ): Promise<SentDto> {
    await this.emailChange.request(user, body.email, actor);
    return { status: 'sent' };
  }

  /** The link in the confirmation mail; the token is the proof (opened from any browser). */
  @Public()
  @UseGuards(ThrottlerGuard)
  @Get('email/confirm')
  async confirmEmail(
    @Query() query: TokenQueryDto,
    @Actor() actor: AuditActor,
    @Res() response: Response,
  ): Promise<void> {
    await this.emailChange.confirm(query.token, actor);
    response.redirect(303, new URL('/account?email=changed', this.config.PUBLIC_URL).toString());
  }

  @Delete('identities/:identityId')
  @HttpCode(204)
  @ApiNoContentResponse()
  unlink(
    @Req() request: AppRequest,
    @UuidParam('identityId') identityId: string,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    return this.account.unlinkIdentity(request.auth!, identityId, actor);
  }

  @Delete('sessions/:sessionId')
  @HttpCode(204)
  @ApiNoContentResponse()
  revokeSession(
    @Req() request: AppRequest,
    @UuidParam('sessionId') sessionId: string,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    return this.account.revokeSession(request.auth!, sessionId, actor);
  }

  @Post('exports')
  @ApiCreatedResponse({ type: AccountExportDto })
  requestExport(@CurrentUser() user: UserEntity, @Actor() actor: AuditActor): Promise<AccountExportDto> {
    return this.exports.request(user.id, actor);
  }

  @Get('exports')
  @ApiOkResponse({ type: AccountExportDto, isArray: true })
  listExports(@CurrentUser() user: UserEntity): Promise<AccountExportDto[]> {
    return this.exports.list(user.id);
  }

  @Get('exports/:exportId/download')
  @ApiOkResponse({ description: 'application/zip' })
  async download(
    @CurrentUser() user: UserEntity,
    @UuidParam('exportId') exportId: string,
    @Actor() actor: AuditActor,
    @Res() response: Response,
  ): Promise<void> {
    const { archive, createdAt } = await this.exports.download(user.id, exportId, actor);
    response
      .status(200)
      .set({
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="enclave-account-${createdAt.toISOString().slice(0, 10)}.zip"`,
        'cache-control': 'no-store',
      })
      .send(archive);
  }

  /** Refused (409 sole_owner, naming the workspaces) while the user is the only owner of a live workspace. */
  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse()
  async delete(
    @CurrentUser() user: UserEntity,
    @Body() body: DeleteAccountDto,
    @Actor() actor: AuditActor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.deletion.delete(user.id, body.confirmEmail, actor);
    response.clearCookie(this.cookie.name, this.cookie.clearOptions);
  }
}
