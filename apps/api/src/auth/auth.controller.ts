import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuditActor } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import type { Response } from 'express';
import { Actor, type AppRequest, Public } from '../common/request-context';
import { AuthService, type VerifiedIdentity } from './auth.service';
import { finishSignIn, marketingChoice } from './sign-in-finish';
import { MagicLinkCallbackQueryDto, ProvidersDto, RequestMagicLinkDto, RevokedDto, SentDto } from './dto/auth.dto';
import { MagicLinkService } from './magic-link.service';
import { GitHubAuthGuard, GoogleAuthGuard } from './oauth.guards';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller('auth')
@UseGuards(ThrottlerGuard)
export class AuthController {
  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly auth: AuthService,
    private readonly magicLinks: MagicLinkService,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Get('providers')
  @ApiOkResponse({ type: ProvidersDto })
  providers(): ProvidersDto {
    return {
      github: Boolean(this.config.GITHUB_CLIENT_ID),
      google: Boolean(this.config.GOOGLE_CLIENT_ID),
      apple: Boolean(this.config.APPLE_CLIENT_ID),
      email: true,
    };
  }

  @Public()
  @Get('github')
  @UseGuards(GitHubAuthGuard)
  github(): void {
    // Never runs: GitHubAuthGuard answers with the redirect to GitHub.
  }

  @Public()
  @Get('github/callback')
  @UseGuards(GitHubAuthGuard)
  async githubCallback(
    @Req() request: AppRequest,
    @Actor() actor: AuditActor,
    @Res() response: Response,
  ): Promise<void> {
    const identity = { ...(request.user as VerifiedIdentity), marketingOptIn: marketingChoice(request, response) };
    await finishSignIn(
      this.auth.signIn(identity, actor, request.auth?.user),
      response,
      this.sessions.cookie,
      this.config,
    );
  }

  @Public()
  @Get('google')
  @UseGuards(GoogleAuthGuard)
  google(): void {
    // Never runs: GoogleAuthGuard answers with the redirect to Google.
  }

  @Public()
  @Get('google/callback')
  @UseGuards(GoogleAuthGuard)
  async googleCallback(
    @Req() request: AppRequest,
    @Actor() actor: AuditActor,
    @Res() response: Response,
  ): Promise<void> {
    const identity = { ...(request.user as VerifiedIdentity), marketingOptIn: marketingChoice(request, response) };
    await finishSignIn(
      this.auth.signIn(identity, actor, request.auth?.user),
      response,
      this.sessions.cookie,
      this.config,
    );
  }

  @Public()
  @Post('email')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SentDto })
  async requestMagicLink(@Body() body: RequestMagicLinkDto, @Actor() actor: AuditActor): Promise<SentDto> {
    await this.magicLinks.request(body.email, actor, body.marketingOptIn);
    return { status: 'sent' };
  }

  @Public()
  @Get('email/callback')
  async magicLinkCallback(
    @Query() query: MagicLinkCallbackQueryDto,
    @Actor() actor: AuditActor,
    @Res() response: Response,
  ): Promise<void> {
    await finishSignIn(this.magicLinks.consume(query.token, actor), response, this.sessions.cookie, this.config);
  }

  @Post('logout')
  @HttpCode(200)
  @ApiOkResponse({ type: RevokedDto })
  async logout(
    @Req() request: AppRequest,
    @Actor() actor: AuditActor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RevokedDto> {
    const revoked = await this.sessions.revoke(request.auth!, actor, false);
    response.clearCookie(this.sessions.cookie.name, this.sessions.cookie.clearOptions);
    return { revoked };
  }

  /** Signs the user out of every browser (server-side revocation of all sessions). */
  @Post('logout-all')
  @HttpCode(200)
  @ApiOkResponse({ type: RevokedDto })
  async logoutAll(
    @Req() request: AppRequest,
    @Actor() actor: AuditActor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RevokedDto> {
    const revoked = await this.sessions.revoke(request.auth!, actor, true);
    response.clearCookie(this.sessions.cookie.name, this.sessions.cookie.clearOptions);
    return { revoked };
  }
}
