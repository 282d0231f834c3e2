import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { type Profile, Strategy } from 'passport-github2';
import type { VerifiedIdentity } from '../auth.service';
import { oauthStateCookie } from '../cookies';
import { CookieStateStore } from './cookie-state-store';
import type { StateStore } from 'passport-oauth2';

interface GitHubEmail {
  value: string;
  primary?: boolean;
  verified?: boolean;
}

@Injectable()
export class GitHubStrategy extends PassportStrategy(Strategy, 'github') {
  constructor(@Inject(CONFIG) config: ControlPlaneConfig) {
    const api = config.GITHUB_API_URL.replace(/\/$/, '');
    super({
      clientID: config.GITHUB_CLIENT_ID ?? '',
      clientSecret: config.GITHUB_CLIENT_SECRET ?? '',
      callbackURL: new URL('/api/auth/github/callback', config.PUBLIC_URL).toString(),
      authorizationURL: config.GITHUB_AUTHORIZATION_URL,
      tokenURL: config.GITHUB_TOKEN_URL,
      userProfileURL: `${api}/user`,
      userEmailURL: `${api}/user/emails`,
      scope: ['read:user', 'user:email'],
      allRawEmails: true,
      // passport-oauth2 picks the call shape by arity; our store implements the (req, meta, cb) one.
      store: new CookieStateStore(oauthStateCookie(config, 'github')) as unknown as StateStore,
    });
  }

  /** Only the primary, verified email links accounts. */
  validate(_accessToken: string, _refreshToken: string, profile: Profile): VerifiedIdentity {
    const emails = (profile.emails ?? []) as GitHubEmail[];
    const primary = emails.find((email) => email.primary) ?? emails[0];
    return {
      provider: 'github',
      subject: String(profile.id),
      email: primary?.value ?? null,
      emailVerified: primary?.verified === true,
      name: profile.displayName || profile.username || null,
      avatarUrl: profile.photos?.[0]?.value ?? null,
    };
  }
}
