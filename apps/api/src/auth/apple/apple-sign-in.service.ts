import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { createRemoteJWKSet, type CryptoKey, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { VerifiedIdentity } from '../auth.service';
import { AUTH_ERRORS } from '../auth.errors';

/** Apple's issuer (id_token `iss`) and the audience of every client secret. */
export const APPLE_ISSUER = 'https://appleid.apple.com';
const CLIENT_SECRET_TTL_S = 5 * 60;

/** The `user` form field, which Apple sends on a user's first consent only. */
const appleUserSchema = z.object({
  name: z.object({ firstName: z.string().max(100).optional(), lastName: z.string().max(100).optional() }).optional(),
  email: z.string().max(254).optional(),
});

const tokenResponseSchema = z.object({ id_token: z.string().min(10).max(8192) });

const idTokenClaimsSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().max(254).optional(),
  email_verified: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  nonce: z.string().optional(),
});

/**
 * Sign in with Apple (OpenID Connect, REST API) with jose for every JOSE operation: the client
 * secret is an ES256 JWT signed with the team's key (iss team id, sub Services ID, aud Apple,
 * kid key id, five minutes), and the id_token from the token endpoint is verified against
 * Apple's JWKS (RS256; iss, aud, exp) and the nonce this sign-in started with.
 */
@Injectable()
export class AppleSignInService {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private key: Promise<CryptoKey> | null = null;

  constructor(@Inject(CONFIG) private readonly config: ControlPlaneConfig) {
    this.jwks = createRemoteJWKSet(new URL(config.APPLE_KEYS_URL), { timeoutDuration: 10_000 });
  }

  get enabled(): boolean {
    return Boolean(this.config.APPLE_CLIENT_ID);
  }

  redirectUri(): string {
    return new URL('/api/auth/apple/callback', this.config.PUBLIC_URL).toString();
  }

  authorizeUrl(state: string, nonce: string): string {
    const url = new URL(this.config.APPLE_AUTHORIZATION_URL);
    url.search = new URLSearchParams({
      client_id: this.config.APPLE_CLIENT_ID!,
      redirect_uri: this.redirectUri(),
      response_type: 'code',
      response_mode: 'form_post',
      scope: 'name email',
      state,
      nonce,
    }).toString();
    return url.toString();
  }

  private signingKey(): Promise<CryptoKey> {
    this.key ??= importPKCS8(this.config.APPLE_PRIVATE_KEY!.replace(/\\n/g, '\n'), 'ES256');
    return this.key;
  }

  async clientSecret(): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.config.APPLE_KEY_ID! })
      .setIssuer(this.config.APPLE_TEAM_ID!)
      .setSubject(this.config.APPLE_CLIENT_ID!)
      .setAudience(APPLE_ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${CLIENT_SECRET_TTL_S}s`)
      .sign(await this.signingKey());
  }

  /** Redeems the code at Apple's token endpoint and turns its verified id_token (and `user`, if sent) into an identity. */
  async identity(code: string, nonce: string, userField: string | undefined): Promise<VerifiedIdentity> {
    const response = await fetch(this.config.APPLE_TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_id: this.config.APPLE_CLIENT_ID!,
        client_secret: await this.clientSecret(),
        code,
        grant_type: 'authorization_code',
        redirect_uri: this.redirectUri(),
      }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => null);
    const token = tokenResponseSchema.safeParse(response?.ok ? await response.json().catch(() => null) : null);
    if (!token.success)
      throw domainError(AUTH_ERRORS.stateMismatch, { message: 'Apple did not confirm the sign-in; start again.' });
    const { payload } = await jwtVerify(token.data.id_token, this.jwks, {
      issuer: APPLE_ISSUER,
      audience: this.config.APPLE_CLIENT_ID!,
      algorithms: ['RS256'],
    }).catch(() => {
      throw domainError(AUTH_ERRORS.stateMismatch, {
        message: 'Apple’s identity token could not be verified; start again.',
      });
    });
    const claims = idTokenClaimsSchema.safeParse(payload);
    if (!claims.success || claims.data.nonce !== nonce) throw domainError(AUTH_ERRORS.stateMismatch);
    const user = parseUserField(userField);
    const name = [user?.name?.firstName, user?.name?.lastName].filter(Boolean).join(' ').trim();
    return {
      provider: 'apple',
      subject: claims.data.sub,
      email: claims.data.email ?? null,
      emailVerified: claims.data.email_verified === true || claims.data.email_verified === 'true',
      // Apple sends the name once, on the first consent; later sign-ins carry none and keep the stored one.
      name: name || null,
    };
  }
}

function parseUserField(raw: string | undefined): z.infer<typeof appleUserSchema> | null {
  if (!raw || raw.length > 2048) return null;
  try {
    const parsed = appleUserSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
