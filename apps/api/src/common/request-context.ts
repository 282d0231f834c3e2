import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import type { Request } from 'express';

export interface RequestAuth {
  user: UserEntity;
  sessionId: string;
}

export type AppRequest = Request & { auth?: RequestAuth };

export const IS_PUBLIC = 'enclave:is-public';
/** Marks a route that needs no session (sign-in, webhooks, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const IS_SIGNED_CALLER = 'enclave:signed-caller';
/**
 * Marks a route whose callers sign every request (Stripe's `Stripe-Signature`, agent nodes'
 * Ed25519 headers), checked by the handler: no session needed (it implies @Public()), and exempt
 * from CrossSiteGuard, since a browser page cannot produce the signature and sends no cookie it relies on.
 */
export const SignedCaller = () => applyDecorators(Public(), SetMetadata(IS_SIGNED_CALLER, true));

/** The signed-in user; routes without @Public() are guaranteed one by SessionGuard. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserEntity => {
  const request = context.switchToHttp().getRequest<AppRequest>();
  if (!request.auth) throw new Error('CurrentUser used on a route without a session');
  return request.auth.user;
});

export function actorOf(request: AppRequest): AuditActor {
  return {
    // Anonymous callers (sign-in requests) are recorded as users without an id.
    type: request.auth?.user.isStaff && request.path.startsWith('/api/staff') ? 'staff' : 'user',
    id: request.auth?.user.id ?? null,
    ip: request.ip ?? null,
    userAgent: request.get('user-agent') ?? null,
  };
}

/** Who is acting, for the audit log: the user (or staff) behind the session, with IP and user agent. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor =>
  actorOf(context.switchToHttp().getRequest<AppRequest>()),
);
