import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { domainError } from '@enclave/platform';
import { type AppRequest, IS_PUBLIC } from '../common/request-context';
import { AUTH_ERRORS } from './auth.errors';
import { SessionService } from './session.service';

/** Global guard: attaches the session's user to the request; refuses non-public routes without one. */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AppRequest>();
    const token = this.sessions.tokenOf(request.cookies);
    if (token) request.auth = (await this.sessions.resolve(token)) ?? undefined;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic || request.auth) return true;
    throw domainError(AUTH_ERRORS.unauthenticated);
  }
}
