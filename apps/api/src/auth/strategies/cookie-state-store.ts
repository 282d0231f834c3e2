import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

type StoreCallback = (error: Error | null, state?: string) => void;
type VerifyCallback = (error: Error | null, ok: boolean, info?: { message: string }) => void;

/**
 * OAuth `state` kept in a short-lived httpOnly cookie instead of a server session (we have
 * no express-session). passport-oauth2 calls store() before redirecting to the provider
 * and verify() on the callback; a missing or different state fails the sign-in.
 */
export class CookieStateStore {
  /** `cookie`: name and Secure flag from `oauthStateCookie` (over https: Secure and `__Secure-` named). */
  constructor(private readonly cookie: { readonly name: string; readonly secure: boolean }) {}

  store(req: Request, _meta: unknown, callback: StoreCallback): void {
    const state = randomBytes(24).toString('base64url');
    (req.res as Response).cookie(this.cookie.name, state, {
      httpOnly: true,
      secure: this.cookie.secure,
      sameSite: 'lax',
      maxAge: 10 * 60_000,
      path: '/api/auth',
    });
    callback(null, state);
  }

  verify(req: Request, providedState: string, _meta: unknown, callback: VerifyCallback): void {
    const expected: unknown = req.cookies?.[this.cookie.name];
    (req.res as Response).clearCookie(this.cookie.name, {
      path: '/api/auth',
      secure: this.cookie.secure,
      httpOnly: true,
    });
    const ok =
      typeof expected === 'string' &&
      typeof providedState === 'string' &&
      expected.length === providedState.length &&
      timingSafeEqual(Buffer.from(expected), Buffer.from(providedState));
    callback(null, ok, ok ? undefined : { message: 'OAuth state mismatch' });
  }
}
