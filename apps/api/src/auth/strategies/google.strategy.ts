import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { type Profile, Strategy } from 'passport-google-oauth20';
import type { VerifiedIdentity } from '../auth.service';
import { oauthStateCookie } from '../cookies';
import { CookieStateStore } from './cookie-state-store';
import type { StateStore } from 'passport-oauth2';

@Injectable()
export class GoogleStrategy extends PassportStrategy(Strategy, 'google') {
  constructor(@Inject(CONFIG) config: ControlPlaneConfig) {
    super({
      clientID: config.GOOGLE_CLIENT_ID ?? '',
      clientSecret: config.GOOGLE_CLIENT_SECRET ?? '',
      callbackURL: new URL('/api/auth/google/callback', config.PUBLIC_URL).toString(),
      authorizationURL: config.GOOGLE_AUTHORIZATION_URL,
      tokenURL: config.GOOGLE_TOKEN_URL,
      userProfileURL: config.GOOGLE_USERINFO_URL,
      scope: ['openid', 'email', 'profile'],
      // passport-oauth2 picks the call shape by arity; our store implements the (req, meta, cb) one.
      store: new CookieStateStore(oauthStateCookie(config, 'google')) as unknown as StateStore,
    });
  }

  validate(_accessToken: string, _refreshToken: string, profile: Profile): VerifiedIdentity {
    const email = profile.emails?.[0];
    return {
      provider: 'google',
      subject: profile.id,
      email: email?.value ?? null,
      emailVerified:
        (email as { verified?: boolean | string } | undefined)?.verified === true ||
        (email as { verified?: boolean | string } | undefined)?.verified === 'true',
      name: profile.displayName || null,
      avatarUrl: profile.photos?.[0]?.value ?? null,
    };
  }
}
