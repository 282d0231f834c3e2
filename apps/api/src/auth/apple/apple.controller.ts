import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuditActor } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { SessionEntity, UserEntity } from '@enclave/persistence';
import type { Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createZodDto } from 'nestjs-zod';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { z } from 'zod';
import { Actor, type AppRequest, Public, SignedCaller } from '../../common/request-context';
import { AUTH_ERRORS } from '../auth.errors';
import { AuthService } from '../auth.service';
import { oauthStateCookie } from '../cookies';
import { SessionService } from '../session.service';
import { finishSignIn } from '../sign-in-finish';
import { hashToken } from '../tokens';
import { AppleSignInService } from './apple-sign-in.service';

/** What Apple POSTs to the redirect URI (response_mode=form_post); unknown fields are ignored. */
class AppleCallbackDto extends createZodDto(
  z.object({
    state: z.string().max(128).optional(),
    code: z.string().max(512).optional(),
    id_token: z.string().max(8192).optional(),
    user: z.string().max(2048).optional(),
    error: z.string().max(64).optional(),
  }),
) {}

class AppleStartQueryDto extends createZodDto(z.object({ marketing: z.enum(['0', '1']).optional() })) {}

/** The state cookie's content: state, nonce, the linking session's token hash, the marketing box. */
const stateCookieSchema = z.object({ s: z.string(), n: z.string(), l: z.string().nullable(), m: z.boolean() });

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Sign in with Apple. Apple returns the user with a cross-site form POST (response_mode
 * form_post), so the callback is the one browser route exempt from CrossSiteGuard (@SignedCaller:
 * it relies on no cookie-authenticated state, only on the state cookie that this browser got at
 * the start and on Apple's code). Over https the state cookie is SameSite=None (a Lax one is not
 * sent with a cross-site POST), Secure, httpOnly, limited to /api/auth/apple and ten minutes.
 */
@ApiTags('auth')
@Controller('auth/apple')
@UseGuards(ThrottlerGuard)
export class AppleController {
  private readonly cookie: { name: string; secure: boolean };

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apple: AppleSignInService,
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
  ) {
    this.cookie = oauthStateCookie(config, 'apple');
  }

  private cookieOptions() {
    return {
      httpOnly: true,
      secure: this.cookie.secure,
      sameSite: this.cookie.secure ? ('none' as const) : ('lax' as const),
      path: '/api/auth/apple',
    };
  }

  @Public()
  @Get()
  start(@Req() request: AppRequest, @Query() query: AppleStartQueryDto, @Res() response: Response): void {
    if (!this.apple.enabled)
      throw domainError(AUTH_ERRORS.providerDisabled, { message: 'Sign-in with apple is not enabled.' });
    const state = randomBytes(24).toString('base64url');
    const nonce = randomBytes(24).toString('base64url');
    const sessionToken = request.auth ? this.sessions.tokenOf(request.cookies) : null;
    const value = { s: state, n: nonce, l: sessionToken ? hashToken(sessionToken) : null, m: query.marketing === '1' };
    response.cookie(this.cookie.name, Buffer.from(JSON.stringify(value)).toString('base64url'), {
      ...this.cookieOptions(),
      maxAge: 10 * 60_000,
    });
    response.redirect(302, this.apple.authorizeUrl(state, nonce));
  }

  @SignedCaller()
  @Post('callback')
  @ApiExcludeEndpoint()
  async callback(
    @Req() request: AppRequest,
    @Body() body: AppleCallbackDto,
    @Actor() actor: AuditActor,
    @Res() response: Response,
  ): Promise<void> {
    if (!this.apple.enabled) throw domainError(AUTH_ERRORS.providerDisabled);
    const started = this.readState(request);
    response.clearCookie(this.cookie.name, this.cookieOptions());
    if (!started || !body.state || !sameSecret(started.s, body.state)) throw domainError(AUTH_ERRORS.stateMismatch);
    if (body.error || !body.code) {
      response.redirect(303, new URL('/sign-in?error=apple_cancelled', this.config.PUBLIC_URL).toString());
      return;
    }
    const identity = await this.apple.identity(body.code, started.n, body.user);
    const linkTo = started.l ? await this.sessionUser(started.l) : undefined;
    const result = this.auth.signIn({ ...identity, marketingOptIn: started.m }, actor, linkTo);
    await finishSignIn(result, response, this.sessions.cookie, this.config);
  }

  private readState(request: AppRequest): z.infer<typeof stateCookieSchema> | null {
    const raw: unknown = request.cookies?.[this.cookie.name];
    if (typeof raw !== 'string' || raw.length > 1024) return null;
    try {
      const parsed = stateCookieSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** The user of the session that started a "Link Apple" from the account page, if it is still valid. */
  private async sessionUser(tokenHash: string): Promise<UserEntity | undefined> {
    const session = await this.dataSource
      .getRepository(SessionEntity)
      .findOneBy({ tokenHash, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) });
    if (!session) throw domainError(AUTH_ERRORS.stateMismatch);
    return (
      (await this.dataSource.getRepository(UserEntity).findOneBy({ id: session.userId, deletedAt: IsNull() })) ??
      undefined
    );
  }
}
