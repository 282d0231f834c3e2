import type { ControlPlaneConfig } from '@enclave/platform';
import type { CookieOptions } from 'express';

type CookieConfig = Pick<ControlPlaneConfig, 'PUBLIC_URL' | 'NODE_ENV'>;

/**
 * Cookies are `Secure` whenever browsers reach us over https (`PUBLIC_URL`), whatever NODE_ENV
 * says; production is always treated as https. A Secure cookie also gets a name prefix browsers
 * enforce: `__Host-` (Secure, Path=/, no Domain: only this exact host can set or overwrite it)
 * for the session, `__Secure-` for the OAuth state cookie, whose path is narrower.
 */
export function secureCookies(config: CookieConfig): boolean {
  return new URL(config.PUBLIC_URL).protocol === 'https:' || config.NODE_ENV === 'production';
}

const SESSION_COOKIE_BASE = 'enclave_session';

/** The session cookie: the name it is set and read under, and its attributes. */
export interface SessionCookie {
  readonly name: string;
  readonly options: CookieOptions;
  /** What `clearCookie` needs so the browser matches and drops the same cookie. */
  readonly clearOptions: CookieOptions;
}

export function sessionCookie(config: CookieConfig & Pick<ControlPlaneConfig, 'SESSION_TTL_DAYS'>): SessionCookie {
  const secure = secureCookies(config);
  const base: CookieOptions = { httpOnly: true, secure, sameSite: 'lax', path: '/' };
  return {
    name: secure ? `__Host-${SESSION_COOKIE_BASE}` : SESSION_COOKIE_BASE,
    options: { ...base, maxAge: config.SESSION_TTL_DAYS * 86_400_000 },
    clearOptions: base,
  };
}

/** The OAuth `state` cookie of one provider (CookieStateStore). */
export function oauthStateCookie(config: CookieConfig, provider: 'github' | 'google' | 'apple') {
  const secure = secureCookies(config);
  return { name: `${secure ? '__Secure-' : ''}enclave_oauth_${provider}`, secure };
}
