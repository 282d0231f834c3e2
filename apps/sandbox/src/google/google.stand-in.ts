import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { SandboxContext, StandIn } from '../sandbox';
import { escapeHtml, safeEqual, str } from '../helpers';

/**
 * Google OAuth 2.0 / OpenID Connect for web server apps, shaped after
 * https://developers.google.com/identity/protocols/oauth2/web-server and
 * https://developers.google.com/identity/openid-connect/openid-connect.
 *
 *   GET  /google/o/oauth2/v2/auth              account chooser (or immediate redirect with login_hint / auto-approve)
 *   POST /google/o/oauth2/v2/auth              the chooser's form
 *   POST /google/token                         authorization_code and refresh_token grants (client_secret_post or _basic)
 *   GET  /google/oauth2/v3/userinfo            Bearer header or ?access_token=
 *   GET  /google/oauth2/v3/certs               JWKS for the RS256 id_token
 *   GET  /google/.well-known/openid-configuration
 *   POST /google/_test/users                   {email, name?, sub?, emailVerified?, hd?}
 *   POST /google/_test/auto-approve            {email} | {email:null}
 */

export interface GoogleClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface GoogleUserInput {
  readonly email: string;
  readonly name?: string;
  readonly sub?: string;
  readonly emailVerified?: boolean;
  /** Hosted domain (Google Workspace), e.g. "example.com". */
  readonly hd?: string;
}

export interface GoogleStandInOptions {
  readonly clients?: readonly GoogleClient[];
  readonly users?: readonly GoogleUserInput[];
  readonly codeTtlMs?: number;
  readonly accessTokenTtlSeconds?: number;
}

export const GOOGLE_DEFAULT_CLIENT: GoogleClient = {
  clientId: 'sandbox-google-client-id.apps.googleusercontent.com',
  clientSecret: 'sandbox-google-client-secret',
};

export const GOOGLE_DEFAULT_USERS: readonly GoogleUserInput[] = [
  { email: 'alice@example.com', name: 'Alice Example', sub: '110000000000000000001' },
  { email: 'bob@example.com', name: 'Bob Example', sub: '110000000000000000002' },
];

interface GoogleUser {
  sub: string;
  email: string;
  name: string;
  emailVerified: boolean;
  hd?: string;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  sub: string;
  nonce?: string;
  accessType?: string;
  codeChallenge?: string;
  codeChallengeMethod: string;
  expiresAt: number;
}

interface Grant {
  sub: string;
  scope: string;
  clientId: string;
  expiresAt: number;
}

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  accessType?: string;
  codeChallenge?: string;
  codeChallengeMethod: string;
}

const KNOWN_SCOPES = new Set([
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
]);

function scopeList(scope: string): string[] {
  return scope.split(/\s+/).filter(Boolean);
}

export function googleStandIn(options: GoogleStandInOptions = {}): StandIn {
  const clients = options.clients?.length ? options.clients : [GOOGLE_DEFAULT_CLIENT];
  const codeTtlMs = options.codeTtlMs ?? 10 * 60_000;
  const accessTtl = options.accessTokenTtlSeconds ?? 3599;
  const users = new Map<string, GoogleUser>(); // by lower-case email
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, Grant>();
  const refreshTokens = new Map<string, Omit<Grant, 'expiresAt'>>();
  let autoApproveEmail: string | null = null;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 40);

  function addUser(input: GoogleUserInput): GoogleUser {
    const email = input.email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error(`invalid email: ${email}`);
    const existing = users.get(email.toLowerCase());
    const user: GoogleUser = {
      // Derived from the address: the same person keeps the same `sub` across sandbox restarts.
      sub:
        input.sub ??
        existing?.sub ??
        `1${String(createHash('sha256').update(`google:${input.email.toLowerCase()}`).digest().readBigUInt64BE(0)).padStart(20, '0')}`,
      email,
      name: input.name ?? existing?.name ?? email.split('@')[0],
      emailVerified: input.emailVerified ?? existing?.emailVerified ?? true,
      hd: input.hd ?? existing?.hd,
    };
    users.set(email.toLowerCase(), user);
    return user;
  }
  for (const u of options.users ?? GOOGLE_DEFAULT_USERS) addUser(u);

  function userBySub(sub: string): GoogleUser | undefined {
    for (const user of users.values()) if (user.sub === sub) return user;
    return undefined;
  }

  function findClient(clientId: string | undefined): GoogleClient | undefined {
    return clients.find((c) => c.clientId === clientId);
  }

  function redirectWithCode(res: Response, params: AuthorizeParams, user: GoogleUser): void {
    const code = `4/0${randomBytes(24).toString('base64url')}`;
    codes.set(code, {
      clientId: params.clientId,
      redirectUri: params.redirectUri,
      scope: params.scope,
      sub: user.sub,
      nonce: params.nonce,
      accessType: params.accessType,
      codeChallenge: params.codeChallenge,
      codeChallengeMethod: params.codeChallengeMethod,
      expiresAt: Date.now() + codeTtlMs,
    });
    const target = new URL(params.redirectUri);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    target.searchParams.set('code', code);
    target.searchParams.set('scope', grantedScope(params.scope));
    target.searchParams.set('authuser', '0');
    target.searchParams.set('prompt', 'consent');
    res.redirect(302, target.toString());
  }

  function idToken(issuer: string, user: GoogleUser, clientId: string, scope: string, nonce?: string): string {
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
      ...(hasEmailScope(scopes) ? { email: user.email, email_verified: user.emailVerified } : {}),
      ...(hasProfileScope(scopes) ? profileClaims(issuer, user) : {}),
    };
    return signJwt(privateKey, kid, claims);
  }

  function tokenError(res: Response, status: number, error: string, description: string): void {
    res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });
  }

  return {
    prefix: '/google',
    router: (context: SandboxContext) => {
      const issuer = () => `${context.baseUrl()}/google`;
      const router = Router();
      router.use(express.urlencoded({ extended: false, limit: '64kb' }));
      router.use(express.json({ limit: '64kb' }));
      router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
        if (!err) return next();
        const status = (err as { status?: number }).status === 413 ? 413 : 400;
        res.status(status).json({
          error: 'invalid_request',
          error_description: status === 413 ? 'Request too large.' : 'Invalid JSON payload received.',
        });
      });

      const authorize = (source: Record<string, unknown>, req: Request, res: Response, fromForm: boolean) => {
        const parsed = parseAuthorize(source);
        if ('error' in parsed) {
          res
            .status(400)
            .type('html')
            .send(errorPage(`Error 400: ${parsed.error}`, parsed.description));
          return;
        }
        if (!findClient(parsed.clientId)) {
          res.status(401).type('html').send(errorPage('Error 401: invalid_client', 'The OAuth client was not found.'));
          return;
        }
        if (fromForm) {
          if (req.body?.decision === 'deny') {
            const target = new URL(parsed.redirectUri);
            target.searchParams.set('error', 'access_denied');
            if (parsed.state !== undefined) target.searchParams.set('state', parsed.state);
            res.redirect(302, target.toString());
            return;
          }
          const email = str(req.body?.email)?.trim() ?? '';
          let user: GoogleUser | undefined = users.get(email.toLowerCase());
          if (!user) {
            try {
              user = addUser({ email });
            } catch {
              res
                .status(422)
                .type('html')
                .send(errorPage('Couldn’t find your Google Account', 'Enter a valid email address.'));
              return;
            }
          }
          redirectWithCode(res, parsed, user);
          return;
        }
        const hint = str(source.login_hint) ?? autoApproveEmail;
        if (hint) {
          const user = users.get(hint.toLowerCase()) ?? addUser({ email: hint });
          redirectWithCode(res, parsed, user);
          return;
        }
        res.type('html').send(chooserPage(parsed, [...users.values()]));
      };

      router.get('/o/oauth2/v2/auth', (req, res) => {
        try {
          authorize(req.query as Record<string, unknown>, req, res, false);
        } catch {
          res.status(400).type('html').send(errorPage('Error 400: invalid_request', 'Invalid login_hint.'));
        }
      });
      router.post('/o/oauth2/v2/auth', (req, res) =>
        authorize((req.body ?? {}) as Record<string, unknown>, req, res, true),
      );

      router.post('/token', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        let clientId = str(body.client_id);
        let clientSecret = str(body.client_secret);
        const basic = /^basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
        if (basic) {
          const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          clientId = decodeURIComponent(decoded.slice(0, colon));
          clientSecret = decodeURIComponent(decoded.slice(colon + 1));
        }
        const client = findClient(clientId);
        if (!client || clientSecret === undefined || !safeEqual(client.clientSecret, clientSecret)) {
          tokenError(res, 401, 'invalid_client', 'Unauthorized');
          return;
        }
        const grantType = str(body.grant_type);
        if (!grantType) {
          tokenError(res, 400, 'unsupported_grant_type', 'Invalid grant_type: ');
          return;
        }
        if (grantType === 'refresh_token') {
          const refresh = refreshTokens.get(str(body.refresh_token) ?? '');
          if (!refresh || refresh.clientId !== client.clientId) {
            tokenError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
            return;
          }
          const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
          accessTokens.set(accessToken, { ...refresh, expiresAt: Date.now() + accessTtl * 1000 });
          res.set('Cache-Control', 'no-store').json({
            access_token: accessToken,
            expires_in: accessTtl,
            scope: grantedScope(refresh.scope),
            token_type: 'Bearer',
          });
          return;
        }
        if (grantType !== 'authorization_code') {
          tokenError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
          return;
        }
        const code = str(body.code);
        if (!code) {
          tokenError(res, 400, 'invalid_request', 'Missing required parameter: code');
          return;
        }
        const pending = codes.get(code);
        codes.delete(code);
        if (!pending || pending.expiresAt < Date.now() || pending.clientId !== client.clientId) {
          tokenError(res, 400, 'invalid_grant', 'Bad Request');
          return;
        }
        if (str(body.redirect_uri) !== pending.redirectUri) {
          tokenError(res, 400, 'redirect_uri_mismatch', 'Bad Request');
          return;
        }
        if (pending.codeChallenge) {
          const verifier = str(body.code_verifier);
          if (!verifier) {
            tokenError(res, 400, 'invalid_grant', 'Missing code verifier.');
            return;
          }
          const computed =
            pending.codeChallengeMethod === 'S256'
              ? createHash('sha256').update(verifier).digest('base64url')
              : verifier;
          if (computed !== pending.codeChallenge) {
            tokenError(res, 400, 'invalid_grant', 'Invalid code verifier.');
            return;
          }
        }
        const user = userBySub(pending.sub);
        if (!user) {
          tokenError(res, 400, 'invalid_grant', 'Account has been deleted');
          return;
        }
        const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
        accessTokens.set(accessToken, {
          sub: user.sub,
          scope: pending.scope,
          clientId: client.clientId,
          expiresAt: Date.now() + accessTtl * 1000,
        });
        const payload: Record<string, unknown> = {
          access_token: accessToken,
          expires_in: accessTtl,
          scope: grantedScope(pending.scope),
          token_type: 'Bearer',
        };
        if (pending.accessType === 'offline') {
          const refreshToken = `1//0${randomBytes(40).toString('base64url')}`;
          refreshTokens.set(refreshToken, { sub: user.sub, scope: pending.scope, clientId: client.clientId });
          payload.refresh_token = refreshToken;
        }
        if (scopeList(pending.scope).includes('openid'))
          payload.id_token = idToken(issuer(), user, client.clientId, pending.scope, pending.nonce);
        res.set('Cache-Control', 'no-store').json(payload);
      });

      router.get('/oauth2/v3/userinfo', (req, res) => {
        const header = /^bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
        const token = header?.[1] ?? str(req.query.access_token);
        const grant = token ? accessTokens.get(token) : undefined;
        const user = grant && grant.expiresAt > Date.now() ? userBySub(grant.sub) : undefined;
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
          ...(hasProfileScope(scopes) ? profileClaims(issuer(), user) : {}),
          ...(hasEmailScope(scopes) ? { email: user.email, email_verified: user.emailVerified } : {}),
          ...(user.hd ? { hd: user.hd } : {}),
        });
      });

      router.get('/oauth2/v3/certs', (_req, res) => {
        const jwk = publicKey.export({ format: 'jwk' });
        res.json({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] });
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

      router.post('/_test/users', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        try {
          const user = addUser({
            email: str(body.email) ?? '',
            name: str(body.name),
            sub: str(body.sub),
            emailVerified: typeof body.emailVerified === 'boolean' ? body.emailVerified : undefined,
            hd: str(body.hd),
          });
          res.status(201).json({
            sub: user.sub,
            email: user.email,
            name: user.name,
            email_verified: user.emailVerified,
            hd: user.hd ?? null,
          });
        } catch (error) {
          res.status(400).json({ error: 'invalid_request', error_description: (error as Error).message });
        }
      });

      router.get('/_test/users', (_req, res) => {
        res.json(
          [...users.values()].map((u) => ({
            sub: u.sub,
            email: u.email,
            name: u.name,
            email_verified: u.emailVerified,
            hd: u.hd ?? null,
          })),
        );
      });

      router.post('/_test/auto-approve', (req, res) => {
        const email = (req.body as Record<string, unknown> | undefined)?.email;
        autoApproveEmail = typeof email === 'string' && email.trim() ? email.trim() : null;
        res.json({ email: autoApproveEmail });
      });

      router.use((_req, res) => {
        res.status(404).json({ error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
      });
      return router;
    },
  };
}

function parseAuthorize(source: Record<string, unknown>): AuthorizeParams | { error: string; description: string } {
  const clientId = str(source.client_id);
  if (!clientId) return { error: 'invalid_request', description: 'Missing required parameter: client_id' };
  const responseType = str(source.response_type);
  if (responseType !== 'code')
    return {
      error: 'invalid_request',
      description: responseType
        ? `Invalid response_type: ${responseType}`
        : 'Missing required parameter: response_type',
    };
  const redirectUri = str(source.redirect_uri);
  if (!redirectUri) return { error: 'invalid_request', description: 'Missing required parameter: redirect_uri' };
  try {
    const url = new URL(redirectUri);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return { error: 'redirect_uri_mismatch', description: 'Invalid redirect_uri.' };
  }
  const scope = str(source.scope);
  if (!scope || scopeList(scope).length === 0)
    return { error: 'invalid_request', description: 'Missing required parameter: scope' };
  const unknown = scopeList(scope).filter((s) => !KNOWN_SCOPES.has(s));
  if (unknown.length)
    return {
      error: 'invalid_scope',
      description: `Some requested scopes were invalid. {invalid=[${unknown.join(', ')}]}`,
    };
  const codeChallenge = str(source.code_challenge);
  const method = str(source.code_challenge_method) ?? 'plain';
  if (codeChallenge !== undefined) {
    if (method !== 'S256' && method !== 'plain')
      return { error: 'invalid_request', description: 'Invalid code_challenge_method.' };
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(codeChallenge))
      return { error: 'invalid_request', description: 'Invalid code_challenge.' };
  }
  return {
    clientId,
    redirectUri,
    scope: scopeList(scope).join(' '),
    state: str(source.state),
    nonce: str(source.nonce),
    accessType: str(source.access_type),
    codeChallenge,
    codeChallengeMethod: method,
  };
}

function hasEmailScope(scopes: string[]): boolean {
  return scopes.includes('email') || scopes.includes('https://www.googleapis.com/auth/userinfo.email');
}

function hasProfileScope(scopes: string[]): boolean {
  return scopes.includes('profile') || scopes.includes('https://www.googleapis.com/auth/userinfo.profile');
}

/** Google reports the long userinfo.* form of email/profile in the granted scope. */
function grantedScope(scope: string): string {
  return scopeList(scope)
    .map((s) =>
      s === 'email'
        ? 'https://www.googleapis.com/auth/userinfo.email'
        : s === 'profile'
          ? 'https://www.googleapis.com/auth/userinfo.profile'
          : s,
    )
    .join(' ');
}

function profileClaims(issuer: string, user: GoogleUser): Record<string, unknown> {
  const [given, ...rest] = user.name.split(' ');
  return {
    name: user.name,
    given_name: given,
    ...(rest.length ? { family_name: rest.join(' ') } : {}),
    picture: `${issuer}/avatars/${user.sub}.png`,
  };
}

function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

function errorPage(title: string, message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Google (sandbox)</title></head><body><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p></body></html>`;
}

function chooserPage(params: AuthorizeParams, users: GoogleUser[]): string {
  const hidden = (
    [
      ['response_type', 'code'],
      ['client_id', params.clientId],
      ['redirect_uri', params.redirectUri],
      ['scope', params.scope],
      ['state', params.state],
      ['nonce', params.nonce],
      ['access_type', params.accessType],
      ['code_challenge', params.codeChallenge],
      ['code_challenge_method', params.codeChallenge ? params.codeChallengeMethod : undefined],
    ] as Array<[string, string | undefined]>
  )
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  // A path, not a URL: the page works whatever host name the browser reached the sandbox by.
  const action = '/google/o/oauth2/v2/auth';
  const accounts = users
    .map(
      (u) =>
        `<li><form method="post" action="${action}">${hidden}<input type="hidden" name="email" value="${escapeHtml(u.email)}">` +
        `<button type="submit" data-email="${escapeHtml(u.email)}">Sign in as ${escapeHtml(u.name)} (${escapeHtml(u.email)})</button></form></li>`,
    )
    .join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in – Google Accounts (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}li{margin:.4rem 0}</style></head>
<body>
<h1>Choose an account (Google sandbox)</h1>
<p>to continue to <code>${escapeHtml(params.clientId)}</code></p>
<ul>${accounts}</ul>
<form method="post" action="${action}">${hidden}
<label>Email <input type="email" name="email" autocomplete="email" required></label>
<button type="submit" name="decision" value="approve">Next</button>
</form>
<form method="post" action="${action}">${hidden}<button type="submit" name="decision" value="deny">Cancel</button></form>
</body></html>`;
}

/** SANDBOX_GOOGLE_CLIENT_ID / SANDBOX_GOOGLE_CLIENT_SECRET register the OAuth client (dev defaults otherwise). */
export function googleOptionsFromEnv(env: NodeJS.ProcessEnv): GoogleStandInOptions {
  return {
    clients: [
      {
        clientId: env.SANDBOX_GOOGLE_CLIENT_ID || GOOGLE_DEFAULT_CLIENT.clientId,
        clientSecret: env.SANDBOX_GOOGLE_CLIENT_SECRET || GOOGLE_DEFAULT_CLIENT.clientSecret,
      },
    ],
  };
}
