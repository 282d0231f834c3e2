import type { GoogleUser } from './google-users';

/** The scopes the sandbox grants, and the claims each one opens (https://developers.google.com/identity/protocols/oauth2/scopes). */

const EMAIL_SCOPE = 'https://www.googleapis.com/auth/userinfo.email';
const PROFILE_SCOPE = 'https://www.googleapis.com/auth/userinfo.profile';

export const KNOWN_SCOPES = new Set(['openid', 'email', 'profile', EMAIL_SCOPE, PROFILE_SCOPE]);

export function scopeList(scope: string): string[] {
  return scope.split(/\s+/).filter(Boolean);
}

/** Google reports the long userinfo.* form of email/profile in the granted scope. */
export function grantedScope(scope: string): string {
  return scopeList(scope)
    .map((s) => (s === 'email' ? EMAIL_SCOPE : s === 'profile' ? PROFILE_SCOPE : s))
    .join(' ');
}

export function emailClaims(scopes: string[], user: GoogleUser): Record<string, unknown> {
  if (!scopes.includes('email') && !scopes.includes(EMAIL_SCOPE)) return {};
  return { email: user.email, email_verified: user.emailVerified };
}

export function profileClaims(scopes: string[], issuer: string, user: GoogleUser): Record<string, unknown> {
  if (!scopes.includes('profile') && !scopes.includes(PROFILE_SCOPE)) return {};
  const [given, ...rest] = user.name.split(' ');
  return {
    name: user.name,
    given_name: given,
    ...(rest.length ? { family_name: rest.join(' ') } : {}),
    picture: `${issuer}/avatars/${user.sub}.png`,
  };
}
