import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { Response, Router } from 'express';
import { safeEqual, str } from '../helpers';
import { clientCredentials, findClient, pkceMatches } from '../oauth';
import type { GoogleOAuthState } from './google-authorize';
import { emailClaims, grantedScope, profileClaims, scopeList } from './google-scopes';
import type { GoogleUser } from './google-users';

/**
 * The token endpoint, userinfo and the keys that verify the id_token
 * (https://developers.google.com/identity/openid-connect/openid-connect).
 */

interface Grant {
  sub: string;
  scope: string;
  clientId: string;
  expiresAt: number;
}

export interface GoogleTokens {
  readonly accessTtlSeconds: number;
  readonly access: Map<string, Grant>;
  readonly refresh: Map<string, Omit<Grant, 'expiresAt'>>;
  /** The RS256 key id_tokens are signed with; its public half is served as the JWKS. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
}

export function googleTokens(accessTtlSeconds: number): GoogleTokens {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 40);
  return { accessTtlSeconds, access: new Map(), refresh: new Map(), privateKey, publicKey, kid };
}

function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

function idToken(
  tokens: GoogleTokens,
  issuer: string,
  user: GoogleUser,
  clientId: string,
  scope: string,
  nonce?: string,
): string {
  const now = Math.floor(Date.now() / 1000);
  const scopes = scopeList(scope);
  const claims: Record<string, unknown> = {
    iss: issuer,
    azp: clientId,
    aud: clientId,
    sub: user.sub,
    iat: now,
    exp: now + 3600,
    ...(user.hd ? { hd: user.hd } : {}),
    ...(nonce ? { nonce } : {}),
    ...emailClaims(scopes, user),
    ...profileClaims(scopes, issuer, user),
  };
  return signJwt(tokens.privateKey, tokens.kid, claims);
}

function tokenError(res: Response, status: number, error: string, description: string): void {
  res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });
}

export function googleTokenRoutes(
  router: Router,
  state: GoogleOAuthState,
  tokens: GoogleTokens,
  issuer: () => string,
): void {
  const accessTtl = tokens.accessTtlSeconds;
  const issueAccessToken = (grant: Omit<Grant, 'expiresAt'>): string => {
    const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
    tokens.access.set(accessToken, { ...grant, expiresAt: Date.now() + accessTtl * 1000 });
    return accessToken;
  };

  router.post('/token', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { clientId, clientSecret } = clientCredentials(req);
    const client = findClient(state.clients, clientId);
    if (!client || clientSecret === undefined || !safeEqual(client.clientSecret, clientSecret))
      return tokenError(res, 401, 'invalid_client', 'Unauthorized');
    const grantType = str(body.grant_type);
    if (!grantType) return tokenError(res, 400, 'unsupported_grant_type', 'Invalid grant_type: ');
    if (grantType === 'refresh_token') {
      const refresh = tokens.refresh.get(str(body.refresh_token) ?? '');
      if (!refresh || refresh.clientId !== client.clientId)
        return tokenError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
      res.set('Cache-Control', 'no-store').json({
        access_token: issueAccessToken(refresh),
        expires_in: accessTtl,
        scope: grantedScope(refresh.scope),
        token_type: 'Bearer',
      });
      return;
    }
    if (grantType !== 'authorization_code')
      return tokenError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
    const code = str(body.code);
    if (!code) return tokenError(res, 400, 'invalid_request', 'Missing required parameter: code');
    const pending = state.codes.get(code);
    state.codes.delete(code);
    if (!pending || pending.expiresAt < Date.now() || pending.clientId !== client.clientId)
      return tokenError(res, 400, 'invalid_grant', 'Bad Request');
    if (str(body.redirect_uri) !== pending.redirectUri)
      return tokenError(res, 400, 'redirect_uri_mismatch', 'Bad Request');
    if (pending.codeChallenge) {
      const verifier = str(body.code_verifier);
      if (!verifier) return tokenError(res, 400, 'invalid_grant', 'Missing code verifier.');
      if (!pkceMatches(pending.codeChallenge, pending.codeChallengeMethod, verifier))
        return tokenError(res, 400, 'invalid_grant', 'Invalid code verifier.');
    }
    const user = state.users.bySub(pending.sub);
    if (!user) return tokenError(res, 400, 'invalid_grant', 'Account has been deleted');
    const grant = { sub: user.sub, scope: pending.scope, clientId: client.clientId };
    const payload: Record<string, unknown> = {
      access_token: issueAccessToken(grant),
      expires_in: accessTtl,
      scope: grantedScope(pending.scope),
      token_type: 'Bearer',
    };
    if (pending.accessType === 'offline') {
      const refreshToken = `1//0${randomBytes(40).toString('base64url')}`;
      tokens.refresh.set(refreshToken, grant);
      payload.refresh_token = refreshToken;
    }
    if (scopeList(pending.scope).includes('openid'))
      payload.id_token = idToken(tokens, issuer(), user, client.clientId, pending.scope, pending.nonce);
    res.set('Cache-Control', 'no-store').json(payload);
  });

  router.get('/oauth2/v3/userinfo', (req, res) => {
    const header = /^bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const token = header?.[1] ?? str(req.query.access_token);
    const grant = token ? tokens.access.get(token) : undefined;
    const user = grant && grant.expiresAt > Date.now() ? state.users.bySub(grant.sub) : undefined;
    if (!grant || !user) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"')
        .json({ error: 'invalid_request', error_description: 'Invalid Credentials' });
      return;
    }
    const scopes = scopeList(grant.scope);
    res.json({
      sub: user.sub,
      ...profileClaims(scopes, issuer(), user),
      ...emailClaims(scopes, user),
      ...(user.hd ? { hd: user.hd } : {}),
    });
  });

  router.get('/oauth2/v3/certs', (_req, res) => {
    const jwk = tokens.publicKey.export({ format: 'jwk' });
    res.json({ keys: [{ ...jwk, kid: tokens.kid, alg: 'RS256', use: 'sig' }] });
  });

  router.get('/.well-known/openid-configuration', (_req, res) => {
    const base = issuer();
    res.json({
      issuer: base,
      authorization_endpoint: `${base}/o/oauth2/v2/auth`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/oauth2/v3/userinfo`,
      jwks_uri: `${base}/oauth2/v3/certs`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
    });
  });
}
