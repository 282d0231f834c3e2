import { type ControlPlaneConfig, DomainError } from '@enclave/platform';
import type { NextFunction, Request, Response } from 'express';
import { AUTH_ERRORS } from './auth.errors';
import type { SignInResult } from './auth.service';
import { type SessionCookie, secureCookies } from './cookies';

/**
 * The end of every sign-in: a new session gets its cookie and the dashboard; an identity linked
 * to the signed-in user (the account page's "Link") goes back to the account page, and so does a
 * link refused because that provider account belongs to another user (a page, not a JSON error).
 */
export async function finishSignIn(
  signIn: Promise<SignInResult>,
  response: Response,
  cookie: SessionCookie,
  config: Pick<ControlPlaneConfig, 'PUBLIC_URL'>,
): Promise<void> {
  let result: SignInResult;
  try {
    result = await signIn;
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== AUTH_ERRORS.identityInUse.code) throw error;
    response.redirect(303, new URL('/account?error=identity_in_use', config.PUBLIC_URL).toString());
    return;
  }
  if (result.sessionToken === null) {
    response.redirect(303, new URL('/account?linked=1', config.PUBLIC_URL).toString());
    return;
  }
  response.cookie(cookie.name, result.sessionToken, cookie.options);
  response.redirect(303, new URL('/', config.PUBLIC_URL).toString());
}

const MARKETING_COOKIE = 'enclave_signup_marketing';

/**
 * The sign-in page's marketing box for GitHub and Google (`/api/auth/github?marketing=1`): kept
 * in a short-lived cookie from the start of the redirect dance to its callback, where
 * marketingChoice() reads and clears it. It only matters if the callback creates the user.
 */
export function rememberMarketingChoice(config: Pick<ControlPlaneConfig, 'PUBLIC_URL' | 'NODE_ENV'>) {
  const secure = secureCookies(config);
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.query.marketing === '1')
      response.cookie(MARKETING_COOKIE, '1', {
        httpOnly: true,
        secure,
        sameSite: 'lax',
        path: '/api/auth',
        maxAge: 10 * 60_000,
      });
    else response.clearCookie(MARKETING_COOKIE, { httpOnly: true, secure, sameSite: 'lax', path: '/api/auth' });
    next();
  };
}

export function marketingChoice(request: Request, response: Response): boolean {
  const chosen = (request.cookies as Record<string, unknown> | undefined)?.[MARKETING_COOKIE] === '1';
  if (chosen) response.clearCookie(MARKETING_COOKIE, { path: '/api/auth' });
  return chosen;
}
